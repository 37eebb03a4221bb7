import type { SoakReport } from './soak';

/** The report as markdown: what docs/reliability.md records, and what a failed run prints. */
export function markdownReport(report: SoakReport): string {
  const lines: string[] = [];
  const a = report.audit;
  const c = report.clientStats;
  lines.push(`## Fault soak — ${report.verdict}`);
  lines.push('');
  lines.push(
    `\`npm run chaos -- --sales ${report.sales} --seed ${report.seed}\` (${report.clients} clients, ` +
      `about one fault per ${report.salesPerFault} sales, settle ${report.settleMs / 1000} s)`,
  );
  lines.push('');
  lines.push(`- machine: ${report.machine}`);
  lines.push(
    `- started ${report.startedAt}, ${fmtDuration(report.durationSec)} in all, ` +
      `${fmtDuration(report.trafficSec)} of traffic (${(report.sales / Math.max(1, report.trafficSec)).toFixed(1)} sales/s)`,
  );
  const t = report.tuning;
  lines.push(
    `- tuning: driver timeout ${t.driverTimeoutMs} ms, cash-core processing window ${t.processingWindowMs} ms, ` +
      `POS wait ${t.posWaitMs} ms, reconcile retry ≤ ${t.reconcileRetryMaxMs} ms, MQTT keepalive ${t.keepaliveSec} s`,
  );
  lines.push('');
  lines.push('| verdict | sales |');
  lines.push('| --- | ---: |');
  lines.push(`| duplicate (printed more than once) | ${a.counts.duplicate} |`);
  lines.push(`| lost (code 0 without receipt, or receipt without a final code 0) | ${a.counts.lost} |`);
  lines.push(`| misattributed (another receipt's fiscalID) | ${a.counts.misattributed} |`);
  lines.push(`| stuck (no final answer after the settle time) | ${a.counts.stuck} |`);
  lines.push(`| receipts of no sale | ${a.unexplainedReceipts.length} |`);
  lines.push(`| product processes that died on their own | ${report.unexpectedExits.length} |`);
  lines.push(`| done (code 0, its own receipt) | ${c.done} |`);
  lines.push(`| refused (final code ≠ 0, nothing printed) | ${c.refused} |`);
  lines.push('');
  lines.push(
    `Receipts in the registers' journals: ${a.receipts}. Client requests: ${c.attempts} ` +
      `(${c.code5Answers} answered code 5, ${c.transportErrors} without an answer). ` +
      `Time to a final answer: p50 ${c.secondsToFinal.p50} s, p95 ${c.secondsToFinal.p95} s, max ${c.secondsToFinal.max} s.`,
  );
  if (report.documents)
    lines.push(
      `Cloud documents: ${report.documents.total} (${Object.entries(report.documents.byStatus)
        .map(([status, n]) => `${n} ${status}`)
        .join(', ')}); ${report.documents.wentInDoubt} were seen in doubt by the cloud.`,
    );
  lines.push(
    `Commands the agent reconciled (from its log): ${report.reconciliation.commands} (last verdict: ${
      Object.entries(report.reconciliation.finalVerdicts)
        .map(([verdict, n]) => `${n} ${verdict}`)
        .join(', ') || '—'
    }).`,
  );
  lines.push(
    `Process starts: ${Object.entries(report.starts)
      .map(([part, n]) => `${part} ${n}`)
      .join(', ')}; agent broker connections through the proxy: ${report.agentConnections}.`,
  );
  lines.push('');
  lines.push('| fault | injected | failed | skipped | hit |');
  lines.push('| --- | ---: | ---: | ---: | --- |');
  for (const [kind, s] of Object.entries(report.faults.byKind)) {
    const hit =
      kind === 'agent-crash-at'
        ? Object.entries(report.faults.crashPoints)
            .filter(([, p]) => p.planned > 0)
            .map(([point, p]) => `${point} ${p.reached}/${p.planned}`)
            .join(', ')
        : /^device|commit/.test(kind)
          ? `${s.fired} calls`
          : '';
    lines.push(`| ${kind} | ${s.done} | ${s.failed} | ${s.skipped} | ${hit} |`);
  }
  if (report.unexpectedExits.length > 0) {
    lines.push('');
    lines.push('### Processes that died on their own');
    for (const exit of report.unexpectedExits)
      lines.push(
        `- ${exit.part} at ${new Date(exit.at).toISOString()} (${exit.signal ?? `code ${exit.code}`}):\n\n` +
          '```\n' +
          exit.lastLines +
          '\n```',
      );
  }
  if (report.findings.length > 0) {
    lines.push('');
    lines.push(`### Sales with a violation (first ${report.findings.length})`);
    for (const f of report.findings) {
      lines.push('');
      lines.push(
        `- **sale #${f.index}** ${f.docNumber} on ${f.register}, ${f.amount / 100} ₸ — ${f.kinds.join(', ')}: ${f.why.join('; ')}`,
      );
      lines.push(
        `  - sent at ${f.firstSentAt.toFixed(1)} s, final ${f.finalAt === null ? 'never' : `at ${f.finalAt.toFixed(1)} s`}, ` +
          `${f.attempts} attempts (${f.code5} code 5, ${f.transportErrors} no answer); final answer ${JSON.stringify(f.final)}`,
      );
      for (const d of f.documents) lines.push(`  - cloud document ${JSON.stringify(d)}`);
      for (const r of f.receipts) lines.push(`  - receipt ${JSON.stringify(r)}`);
      if (f.faults.length > 0) lines.push(`  - faults around it: ${f.faults.join('; ')}`);
      if (f.recent.length > 0) lines.push(`  - last non-final answers: ${f.recent.join(' | ')}`);
    }
  }
  if (a.unexplainedReceipts.length > 0) {
    lines.push('');
    lines.push('### Receipts of no sale');
    for (const r of a.unexplainedReceipts.slice(0, 20)) lines.push(`- ${JSON.stringify(r)}`);
  }
  lines.push('');
  lines.push(
    report.runDirKept
      ? `Run directory: ${report.runDir} (report.json, timeline.log, logs/).`
      : 'Run directory removed (the run passed; `--keep` keeps it).',
  );
  return lines.join('\n');
}

function fmtDuration(sec: number): string {
  if (sec < 120) return `${Math.round(sec)} s`;
  const m = Math.floor(sec / 60);
  const s = Math.round(sec % 60);
  return `${m} min ${s} s`;
}
