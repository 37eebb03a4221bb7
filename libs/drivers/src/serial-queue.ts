/**
 * Runs device calls one at a time, in order. Fiscal devices break under concurrent calls (the
 * iKKM answers -2 while a registration runs), and a heartbeat's status read must not interleave
 * with a receipt.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.tail.then(task, task);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
