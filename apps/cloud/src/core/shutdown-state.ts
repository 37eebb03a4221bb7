import { Injectable } from '@nestjs/common';

/**
 * Whether the cloud has begun to stop: readiness says "not accepting", and the POS WebSocket
 * servers take no new connection or frame. Set by `RunningCloud.close` before Nest runs its
 * shutdown hooks: those go module by module and level by level, so a flag a provider set in its own
 * hook would be seen only once the POS connections ahead of it have drained — and a load balancer
 * must be told from the first moment to send the instance nothing new.
 */
@Injectable()
export class ShutdownState {
  private begun = false;

  get stopping(): boolean {
    return this.begun;
  }

  begin(): void {
    this.begun = true;
  }
}
