import { cpus } from 'node:os';
import type { Finding, FuzzReport } from './runner';
import { FAMILIES } from './types';

/** RSS growth from the warmed-up start to the end at or above which a run fails. */
export const RSS_GROWTH_LIMIT_PERCENT = 20;

/**
 * Why the run failed (empty: it passed). `rssLimitPercent`: a short run (the bounded one in
 * `npm test`, a few thousand inputs on a busy CI machine) still sees the heap settle, so it
 * allows more; long runs hold the 20 %.
 */
export function failures(report: FuzzReport, rssLimitPercent = RSS_GROWTH_LIMIT_PERCENT): string[] {
  const out: string[] = [];
  const fiveXX = Object.values(report.fiveXX).reduce((n, b) => n + b.count, 0);
  if (report.crashes.length) out.push(`${report.crashes.length} crash(es)`);
  if (fiveXX) out.push(`${fiveXX} 5xx answer(s)`);
  if (report.stateChanges.length)
    out.push(`${report.stateChanges.length} batch(es) with a state change from invalid input`);
  if (report.acl.count) out.push(`${report.acl.count} broker ACL breach(es)`);
  if (report.stalls.length) out.push(`${report.stalls.length} stall(s): valid sales no longer fiscalized`);
  if (report.rss.growthPercent >= rssLimitPercent)
    out.push(`cloud RSS grew ${report.rss.growthPercent} % (limit ${rssLimitPercent} %)`);
  return out;
}

export const machineLine = (): string =>
  `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.versions.node}, ${process.platform}`;

const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;

function showFinding(finding: Finding): string {
  return [
    `    input #${finding.index} (${finding.kind})${finding.notes.length ? `: ${finding.notes.join('; ').slice(0, 300)}` : ''}`,
    finding.detail ? `      → ${finding.detail.replace(/\n/g, '\n        ').slice(0, 800)}` : '',
    finding.reproducer
      ? `      reproducer:\n        ${finding.reproducer.replace(/\n/g, '\n        ').slice(0, 2_500)}`
      : '',
  ]
    .filter(Boolean)
    .join('\n');
}

/** The summary a person reads after a run. */
export function formatReport(report: FuzzReport): string {
  const lines: string[] = [];
  const fiveXX = Object.values(report.fiveXX).reduce((n, b) => n + b.count, 0);
  const nonProtocol = Object.values(report.nonProtocol).reduce((n, b) => n + b.count, 0);
  lines.push(
    `kassa-relay fuzz — seed ${JSON.stringify(report.seed)}, ${report.inputs} inputs, ${(report.durationMs / 1000).toFixed(0)} s, ${report.machine}`,
  );
  lines.push('inputs per family (generated / sent / of which controls / accepted / 5xx / non-protocol):');
  for (const family of FAMILIES) {
    const t = report.families[family];
    if (!t.generated) continue;
    lines.push(
      `  ${family.padEnd(9)} ${String(t.generated).padStart(7)} / ${String(t.sent).padStart(7)} / ${String(t.controls).padStart(5)} / ${String(t.accepted).padStart(5)} / ${String(t.fiveXX).padStart(4)} / ${String(t.nonProtocol).padStart(5)}${t.skipped ? `   (${t.skipped} valid admin requests made, not sent)` : ''}`,
    );
  }
  lines.push(
    `crashes:                      ${report.crashes.length} (cloud started ${report.cloudStarts} time(s))`,
  );
  lines.push(`5xx answers:                  ${fiveXX}`);
  for (const [route, bucket] of Object.entries(report.fiveXX)) lines.push(`  ${route}: ${bucket.count}`);
  lines.push(`state changes (invalid input): ${report.stateChanges.length} batch(es)`);
  lines.push(`broker ACL breaches:          ${report.acl.count}`);
  lines.push(`stalls:                       ${report.stalls.length}`);
  lines.push(`non-protocol answers:         ${nonProtocol}`);
  for (const [kind, bucket] of Object.entries(report.nonProtocol)) lines.push(`  ${kind}: ${bucket.count}`);
  const errors = Object.entries(report.cloudErrors).sort((a, b) => b[1] - a[1]);
  lines.push(`cloud error log lines:        ${errors.reduce((n, [, c]) => n + c, 0)}`);
  for (const [message, count] of errors.slice(0, 10)) lines.push(`  ${count} × ${message}`);
  lines.push(
    `cloud RSS (lowest, after warm-up → at the end): ${mib(report.rss.startKib)} → ${mib(report.rss.endKib)} (${report.rss.growthPercent >= 0 ? '+' : ''}${report.rss.growthPercent} %), peak ${mib(report.rss.peakKib)}`,
  );
  const slow = Object.entries(report.kindMs)
    .map(([kind, t]) => [kind, t.totalMs, t.count] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8);
  lines.push(
    `time per kind (most first): ${slow.map(([k, ms, n]) => `${k} ${(ms / 1000).toFixed(0)} s/${n}`).join(', ')}`,
  );
  const failed = failures(report);
  lines.push(
    failed.length
      ? `FAIL: ${failed.join(', ')}`
      : 'PASS: no crash, no 5xx, no state change, RSS growth below 20 %',
  );

  const details: string[] = [];
  for (const crash of report.crashes) details.push(`crash:\n${showFinding(crash)}`);
  for (const [route, bucket] of Object.entries(report.fiveXX))
    details.push(`5xx ${route}:\n${bucket.examples.map(showFinding).join('\n')}`);
  for (const change of report.stateChanges)
    details.push(
      `state change in inputs ${change.batch[0]}–${change.batch[1]}:\n    ${change.changes.slice(0, 10).join('\n    ')}\n${change.culprits.map(showFinding).join('\n') || '    (no single input reproduced it)'}`,
    );
  if (report.acl.count) details.push(`broker ACL:\n${report.acl.examples.map(showFinding).join('\n')}`);
  for (const stall of report.stalls) details.push(`stall: ${stall}`);
  if (report.controlsFailed.count)
    details.push(
      `valid control sales that failed:\n${report.controlsFailed.examples.map(showFinding).join('\n')}`,
    );
  for (const [kind, bucket] of Object.entries(report.nonProtocol))
    details.push(`non-protocol ${kind}:\n${bucket.examples.slice(0, 3).map(showFinding).join('\n')}`);
  if (details.length) lines.push('', 'details:', ...details);
  return lines.join('\n');
}
