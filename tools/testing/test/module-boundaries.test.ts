import { execFileSync } from 'node:child_process';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The Nx tags are the architecture. These probes lint source text as if it stood in a project's
 * folder and check that the boundary rule refuses what must be refused.
 */
describe('module boundaries (@nx/enforce-module-boundaries)', () => {
  let eslint: ESLint;
  beforeAll(() => {
    // The rule reads Nx's project graph; compute it the way `npm run lint` does.
    execFileSync('npx', ['nx', 'show', 'projects'], { stdio: 'ignore' });
    eslint = new ESLint();
  });

  const violations = async (filePath: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath });
    return (result?.messages ?? []).filter((m) => m.ruleId === '@nx/enforce-module-boundaries');
  };

  it('a shared lib may not import an agent-scoped lib', async () => {
    const found = await violations(
      'libs/protocol/src/probe.ts',
      "import { IkkmDriver } from '@kassa-relay/drivers';\nexport const probe = IkkmDriver;\n",
    );
    expect(found.length).toBeGreaterThan(0);
  });

  it('a lib may not import a tool', async () => {
    const found = await violations(
      'libs/drivers/src/probe.ts',
      "import { startIkkmSimulator } from '@kassa-relay/ikkm-sim';\nexport const probe = startIkkmSimulator;\n",
    );
    expect(found.length).toBeGreaterThan(0);
  });

  it('an app may not import another app (the agent never sees cloud code)', async () => {
    const found = await violations(
      'apps/agent/src/probe.ts',
      "import { startEmbeddedBroker } from '@kassa-relay/cloud/src/broker/embedded-broker';\nexport const probe = startEmbeddedBroker;\n",
    );
    expect(found.map((m) => m.message).join('\n')).toMatch(/Imports of apps are forbidden/);
  });

  it('allowed directions pass: agent lib → shared lib, tool → lib', async () => {
    expect(
      await violations(
        'libs/drivers/src/probe.ts',
        "import { topics } from '@kassa-relay/protocol';\nexport const probe = topics;\n",
      ),
    ).toEqual([]);
    expect(
      await violations(
        'tools/bench/src/probe.ts',
        "import { IkkmDriver } from '@kassa-relay/drivers';\nexport const probe = IkkmDriver;\n",
      ),
    ).toEqual([]);
  });
});
