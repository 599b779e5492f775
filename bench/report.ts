/**
 * Turns bench results into `<name>.json`, a markdown table `<name>.md` and
 * a chart `<name>.svg` (drawn here, no charting library): per N, server
 * CPU µs per delivery and the highest passing delivery rate per stack,
 * medians with min–max whiskers and the ratio to the bare ws ceiling; the
 * append path and LAN discovery get tables of their own in the markdown.
 *
 * Usage (re-summarise saved trials and re-render): node --import tsx bench/report.ts [bench/results/latest.json]
 *
 * @public
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { BACKGROUND_LIMIT_CORES, type BenchResults, type Spread, type StackSummary } from './figures';
import { BENCH_DIR } from './processes';
import { STACK_IDS, STACKS, type StackId } from './stacks';
import { checkTargets, summariseDiscovery, summariseHistory, summariseTrials } from './summarise';

/** Bar colours per stack (ceiling grey, peers cool, LanChat warm). */
const COLOURS: Record<StackId, string> = {
  'bare-ws': '#8c8c8c',
  socketio: '#4e79a7',
  'sockjs-plain': '#76b7b2',
  'lanchat-ws': '#e15759',
  'lanchat-sockjs': '#f28e2b',
  'lanchat-xhr': '#edc948',
  'lanchat-wss': '#b07aa1',
};

function num(value: number | undefined, digits: number): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** `median [min–max]`, or just the value for a single run. */
function cell(value: Spread | undefined, digits: number, scale = 1): string {
  if (!value) return 'n/a';
  const median = num(value.median / scale, digits);
  if (value.values.length < 2) return median;
  return `${median} [${num(value.min / scale, digits)}–${num(value.max / scale, digits)}]`;
}

function ratioCell(value: number | undefined): string {
  return value === undefined ? 'n/a' : `${num(value, 2)}×`;
}

/** A figure's cell, marked † when every measurement of it ran beside heavy other load. */
function figureCell(row: StackSummary, figure: keyof StackSummary & string, digits: number, scale = 1): string {
  const value = row[figure] as Spread | undefined;
  return `${cell(value, digits, scale)}${row.disturbed.includes(figure) ? ' †' : ''}`;
}

/** Column-friendly names of figures in the "left out" cell. */
const SHORT_NAMES: Record<string, string> = {
  cpuUsPerDelivery: 'cpu',
  maxDeliveriesPerSec: 'max',
  lightP50: 'p50',
  lightP99: 'p99',
  lightFirstP50: 'first',
};

function label(stack: StackId): string {
  return `(${STACKS[stack].letter}) ${STACKS[stack].label}`;
}

function limitCell(row: StackSummary): string {
  const counts = new Map<string, number>();
  for (const limit of row.limitedBy) counts.set(limit, (counts.get(limit) ?? 0) + 1);
  return [...counts].map(([limit, count]) => (row.limitedBy.length > 1 ? `${limit} ×${count}` : limit)).join(', ') || 'n/a';
}

function markdown(results: BenchResults): string {
  const meta = results.meta as Record<string, unknown> & { packages?: Record<string, string>; load?: Record<string, unknown> };
  const lines: string[] = [];
  lines.push(`# LanChat fan-out benchmark (${String(meta.mode ?? '')}), ${String(meta.date ?? '')}`, '');
  lines.push(`Command: \`${String(meta.command ?? '')}\` · ${String(meta.wallSeconds ?? '?')} s`, '');
  lines.push(
    `Machine: ${String(meta.cpu)} × ${String(meta.cores)} cores, ${String(meta.memoryGiB)} GiB, Linux ${String(meta.kernel)}, Node ${String(meta.node)}; pinning: ${String(meta.pinned)}; temp filesystem ${String(meta.tmpFilesystem)}; fd limit ${String(meta.fdLimit)}; git ${String(meta.git)}.`,
    '',
  );
  if (meta.packages) {
    lines.push(`Packages: ${Object.entries(meta.packages).map(([name, version]) => `${name} ${version}`).join(', ')}.`, '');
  }
  if (meta.load) {
    const load = meta.load as { senders: number; lightRate: number; cpuReferenceDeliveriesPerSec: number; passP99Ms: number; passDelivered: number };
    lines.push(
      `Load: ${load.senders} senders, 100-character payloads; light load ${load.lightRate} msg/s; CPU per delivery at ${load.cpuReferenceDeliveriesPerSec.toLocaleString('en-US')} deliveries/s; max rate = highest step with p99 < ${load.passP99Ms} ms and ≥ ${load.passDelivered * 100} % delivered. Cells: median [min–max] over ${String(meta.reps)} repetition(s), leaving out measurements taken while other processes used > ${BACKGROUND_LIMIT_CORES} cores when undisturbed ones exist (counted under "left out"; † = every measurement was disturbed); × = median ÷ the bare ws ceiling's median at the same N. Methodology: bench/README.md.`,
      '',
    );
  }

  const ns = [...new Set(results.summary.map((row) => row.n))].sort((a, b) => a - b);
  for (const n of ns) {
    lines.push(`## N = ${n}`, '');
    lines.push(
      '| stack | CPU µs / delivery | × ceiling | max deliveries/s | × ceiling | max msg/s | limited by | light p50 ms | light p99 ms | p99 × ceiling | light 1st delivery p50 ms | RSS / idle conn (kB) | heap / idle conn (kB) | other load (cores) | left out (disturbed) |',
      '| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    );
    for (const row of results.summary.filter((entry) => entry.n === n)) {
      lines.push(
        `| ${label(row.stack)}${row.failedTrials > 0 ? ` (${row.failedTrials} of ${row.trials} failed)` : ''} | ${figureCell(row, 'cpuUsPerDelivery', 2)} | ${ratioCell(row.ratio?.cpuUsPerDelivery)} | ${figureCell(row, 'maxDeliveriesPerSec', 0)} | ${ratioCell(row.ratio?.maxDeliveriesPerSec)} | ${figureCell(row, 'maxRate', 0)} | ${limitCell(row)} | ${figureCell(row, 'lightP50', 2)} | ${figureCell(row, 'lightP99', 2)} | ${ratioCell(row.ratio?.lightP99)} | ${figureCell(row, 'lightFirstP50', 2)} | ${figureCell(row, 'rssPerConnection', 1, 1_000)} | ${figureCell(row, 'heapPerConnection', 1, 1_000)} | ${cell(row.backgroundCores, 2)} | ${Object.entries(row.leftOut).filter(([figure]) => figure !== 'maxRate').map(([figure, count]) => `${SHORT_NAMES[figure] ?? figure} ${count}`).join(', ') || '–'} |`,
      );
    }
    lines.push('');
  }

  if (results.targets.length > 0) {
    lines.push('## Targets (measured, not asserted)', '', '| what | target | measured (median) | met |', '| --- | --- | --- | --- |');
    for (const check of results.targets) {
      const verdict = check.inconclusive ? `inconclusive (${check.inconclusive})` : check.met === undefined ? 'n/a' : check.met ? 'yes' : '**no**';
      lines.push(`| ${check.what} | ${check.target} | ${check.measured} | ${verdict} |`);
    }
    lines.push('');
  }

  if (results.historySummary.length > 0) {
    const steady = results.history.find((trial) => trial.steady)?.steady;
    const max = results.history.find((trial) => trial.max)?.max;
    lines.push(
      '## Append path (history-append.bench.ts)',
      '',
      `Real \`createChatServer\`, 5 \`/ws\` senders alone in the room. Steady: ${steady?.rate ?? 500} msg/s, send→ack. Saturation: each sender keeps ${max?.window ?? '?'} unacknowledged sends in flight; acks/s = committed messages/s. \`file\` = SQLite file (WAL, exclusive lock, an fsync of the log before each ack), \`memory\` = \`:memory:\` (no fsync), for reference.`,
      '',
      '| storage | steady ack p50 ms | steady ack p99 ms | committed msg/s at saturation | ack p99 at saturation ms |',
      '| --- | ---: | ---: | ---: | ---: |',
    );
    for (const row of results.historySummary) {
      lines.push(`| ${row.storage} | ${cell(row.steadyP50, 2)} | ${cell(row.steadyP99, 2)} | ${cell(row.ackedPerSec, 0)} | ${cell(row.maxP99, 1)} |`);
    }
    lines.push('');
  }

  if (results.discovery !== undefined) lines.push(...discoverySection(results), '');

  const notes: string[] = [];
  for (const trial of results.trials) {
    const where = `rep ${trial.rep + 1}, N = ${trial.n}, ${trial.stack}`;
    if (!trial.ok) notes.push(`- ${where}: failed: ${trial.error?.split('\n')[0] ?? ''}`);
    for (const phase of [trial.light, trial.cpu, ...(trial.search?.steps ?? [])]) {
      if (!phase) continue;
      if (Object.keys(phase.closed).length > 0) notes.push(`- ${where}: at ${num(phase.rate, 0)} msg/s the server closed clients ${JSON.stringify(phase.closed)}`);
      if (phase.errorFrames > 0) notes.push(`- ${where}: at ${num(phase.rate, 0)} msg/s, ${phase.errorFrames} error frames, e.g. ${phase.firstErrorFrame ?? ''}`);
    }
    const phases = [trial.light, trial.cpu, ...(trial.search?.steps ?? [])].filter((phase) => phase !== undefined);
    const busy = phases.filter((phase) => phase.backgroundCores > BACKGROUND_LIMIT_CORES);
    if (busy.length > 0) {
      notes.push(
        `- ${where}: ${busy.length} of ${phases.length} phases ran beside other processes using > ${BACKGROUND_LIMIT_CORES} cores (up to ${num(Math.max(...busy.map((phase) => phase.backgroundCores)), 2)}), even after retries`,
      );
    }
    if (trial.cpu && trial.cpu.deliveredRatio < 0.999) {
      notes.push(`- ${where}: the CPU reference load was not fully delivered (${num(trial.cpu.deliveredRatio * 100, 2)} %): CPU per delivery is at saturation`);
    }
  }
  for (const trial of results.history.filter((entry) => !entry.ok)) notes.push(`- append ${trial.storage} rep ${trial.rep + 1}: failed: ${trial.error ?? ''}`);
  for (const trial of results.discovery?.trials.filter((entry) => !entry.ok) ?? []) notes.push(`- discovery ${trial.stop} rep ${trial.rep + 1}: failed: ${trial.error ?? ''}`);
  if (notes.length > 0) lines.push('## Notes', '', ...notes, '');

  for (const profile of results.profiles) {
    lines.push(
      `## Profile: ${label(profile.stack)}, N = ${profile.n}, ${num(profile.rate, 0)} msg/s for ${profile.durationMs / 1_000} s`,
      '',
      `${num(profile.totalMs, 0)} ms of busy CPU sampled (idle excluded); profile: \`${profile.file.replace(`${dirname(BENCH_DIR)}/`, '')}\`.`,
      '',
      '| origin | self ms | share |',
      '| --- | ---: | ---: |',
      ...profile.origins.slice(0, 15).map((origin) => `| ${origin.origin} | ${num(origin.selfMs, 0)} | ${num(origin.share * 100, 1)} % |`),
      '',
      '| function | where | self ms | share |',
      '| --- | --- | ---: | ---: |',
      ...profile.functions.map((fn) => `| \`${fn.name}\` | ${fn.location} | ${num(fn.selfMs, 0)} | ${num(fn.share * 100, 1)} % |`),
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The LAN discovery table (discovery.bench.ts), in seconds. */
function discoverySection(results: BenchResults): string[] {
  const discovery = results.discovery!;
  const lines = ['## LAN discovery (discovery.bench.ts)', ''];
  if (discovery.skipped !== undefined) return [...lines, `Skipped: ${discovery.skipped}.`];
  const summary = results.discoverySummary ?? summariseDiscovery(discovery);
  const reps = new Set(discovery.trials.map((trial) => trial.rep)).size;
  const s = (value: Spread | undefined): string => cell(value, 3, 1_000);
  lines.push(
    `A real CLI host (\`${discovery.hostCommand ?? 'server/cli.ts'}\`, room \`standup\`) and a real discovery browser in two network namespaces of a private test LAN; ${reps} repetition(s), each starting one host that is stopped with SIGTERM (it sends mDNS goodbyes) and one killed with SIGKILL (no goodbye: the browser drops it after failed \`/rooms\` polls). Times from the host's "listening" line, or from the signal, to the browser's output line; seconds, median [min–max].${summary.failedTrials > 0 ? ` ${summary.failedTrials} of ${summary.trials} trials failed (see Notes).` : ''}`,
    '',
    '| figure | seconds |',
    '| --- | ---: |',
    `| appear: listening → listed with its rooms | ${s(summary.appearMs)} |`,
    `| listening → first listed (rooms not read yet) | ${s(summary.listedMs)} |`,
    `| listening → "announced" line (name probing, first announcement) | ${s(summary.announceMs)} |`,
    `| gone after a clean stop: SIGTERM → dropped | ${s(summary.cleanGoneMs)} |`,
    `| gone after a crash: SIGKILL → dropped | ${s(summary.crashGoneMs)} |`,
    `| for reference: process start → listening | ${s(summary.startMs)} |`,
  );
  return lines;
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Rounds an axis maximum up to 1, 2 or 5 × 10^k, with a tick count that gives round ticks. */
function niceAxis(value: number): { top: number; ticks: number } {
  if (!(value > 0)) return { top: 1, ticks: 5 };
  const power = 10 ** Math.floor(Math.log10(value));
  for (const [step, ticks] of [
    [1, 5],
    [2, 4],
    [5, 5],
  ] as const) {
    if (value <= step * power) return { top: step * power, ticks };
  }
  return { top: 10 * power, ticks: 5 };
}

interface Panel {
  title: string;
  unit: string;
  value: (row: StackSummary) => Spread | undefined;
  ratio: (row: StackSummary) => number | undefined;
  digits: number;
}

const PANEL_WIDTH = 380;
const PANEL_HEIGHT = 300;
/** Space above the panels for the chart title and the N labels. */
const HEADER_HEIGHT = 60;
const PLOT_TOP = 40;
const PLOT_BOTTOM = 70;
const PLOT_LEFT = 60;
const PLOT_RIGHT = 15;
const LEGEND_HEIGHT = 60;

function drawPanel(rows: StackSummary[], panel: Panel, x0: number, y0: number): string {
  const parts: string[] = [];
  const plotWidth = PANEL_WIDTH - PLOT_LEFT - PLOT_RIGHT;
  const plotHeight = PANEL_HEIGHT - PLOT_TOP - PLOT_BOTTOM;
  const { top, ticks } = niceAxis(Math.max(0, ...rows.map((row) => panel.value(row)?.max ?? 0)));
  const y = (value: number): number => y0 + PLOT_TOP + plotHeight - (value / top) * plotHeight;
  parts.push(`<text x="${x0 + PANEL_WIDTH / 2}" y="${y0 + 20}" text-anchor="middle" font-weight="bold">${xml(panel.title)}</text>`);
  for (let tick = 0; tick <= ticks; tick += 1) {
    const value = (top * tick) / ticks;
    const ty = y(value);
    parts.push(`<line x1="${x0 + PLOT_LEFT}" x2="${x0 + PANEL_WIDTH - PLOT_RIGHT}" y1="${ty}" y2="${ty}" stroke="#e4e4e4"/>`);
    parts.push(`<text x="${x0 + PLOT_LEFT - 6}" y="${ty + 4}" text-anchor="end" font-size="11">${xml(num(value, value < 10 && value % 1 !== 0 ? 1 : 0))}</text>`);
  }
  parts.push(`<text x="${x0 + 14}" y="${y0 + PLOT_TOP + plotHeight / 2}" font-size="11" transform="rotate(-90 ${x0 + 14} ${y0 + PLOT_TOP + plotHeight / 2})" text-anchor="middle">${xml(panel.unit)}</text>`);
  const slot = plotWidth / Math.max(1, rows.length);
  const barWidth = Math.min(40, slot * 0.6);
  rows.forEach((row, index) => {
    const value = panel.value(row);
    const cx = x0 + PLOT_LEFT + slot * (index + 0.5);
    if (value) {
      const barTop = y(value.median);
      parts.push(
        `<rect x="${cx - barWidth / 2}" y="${barTop}" width="${barWidth}" height="${y(0) - barTop}" fill="${COLOURS[row.stack]}"><title>${xml(`${STACKS[row.stack].label}: ${cell(value, panel.digits)} ${panel.unit}`)}</title></rect>`,
      );
      if (value.values.length > 1) {
        parts.push(`<line x1="${cx}" x2="${cx}" y1="${y(value.min)}" y2="${y(value.max)}" stroke="#222" stroke-width="1.5"/>`);
        for (const end of [value.min, value.max]) parts.push(`<line x1="${cx - 5}" x2="${cx + 5}" y1="${y(end)}" y2="${y(end)}" stroke="#222" stroke-width="1.5"/>`);
      }
      const ratio = panel.ratio(row);
      const labelY = Math.min(barTop, y(value.max)) - 5;
      parts.push(`<text x="${cx}" y="${labelY}" text-anchor="middle" font-size="11">${ratio === undefined ? '' : `${num(ratio, 2)}×`}</text>`);
    } else {
      parts.push(`<text x="${cx}" y="${y(0) - 5}" text-anchor="middle" font-size="11">n/a</text>`);
    }
    parts.push(`<text x="${cx}" y="${y(0) + 16}" text-anchor="middle" font-size="12" font-weight="bold">${STACKS[row.stack].letter}</text>`);
  });
  parts.push(`<line x1="${x0 + PLOT_LEFT}" x2="${x0 + PANEL_WIDTH - PLOT_RIGHT}" y1="${y(0)}" y2="${y(0)}" stroke="#444"/>`);
  return parts.join('\n');
}

function svg(results: BenchResults): string {
  const ns = [...new Set(results.summary.map((row) => row.n))].sort((a, b) => a - b);
  const panels: Panel[] = [
    { title: 'server CPU per delivery', unit: 'µs per delivered message', value: (row) => row.cpuUsPerDelivery, ratio: (row) => row.ratio?.cpuUsPerDelivery, digits: 2 },
    {
      title: 'max deliveries/s (p99 < 100 ms)',
      unit: 'deliveries per second',
      value: (row) => row.maxDeliveriesPerSec,
      ratio: (row) => row.ratio?.maxDeliveriesPerSec,
      digits: 0,
    },
  ];
  const width = Math.max(1, ns.length) * PANEL_WIDTH;
  const height = HEADER_HEIGHT + panels.length * PANEL_HEIGHT + LEGEND_HEIGHT;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="13">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">${xml(`LanChat fan-out vs peers (${String(results.meta.mode ?? '')}, ${String(results.meta.date ?? '').slice(0, 10)}): median, min–max whiskers, × = median ÷ bare ws median`)}</text>`,
  ];
  ns.forEach((n, column) => {
    const rows = results.summary.filter((row) => row.n === n);
    parts.push(`<text x="${column * PANEL_WIDTH + PANEL_WIDTH / 2}" y="${HEADER_HEIGHT - 14}" text-anchor="middle" font-size="14" font-weight="bold">N = ${n}</text>`);
    panels.forEach((panel, index) => parts.push(drawPanel(rows, panel, column * PANEL_WIDTH, HEADER_HEIGHT + index * PANEL_HEIGHT)));
  });
  const legendY = HEADER_HEIGHT + panels.length * PANEL_HEIGHT + 5;
  const present = STACK_IDS.filter((id) => results.summary.some((row) => row.stack === id));
  present.forEach((id, index) => {
    const x = 10 + (index % 3) * 260;
    const y = legendY + Math.floor(index / 3) * 22;
    parts.push(`<rect x="${x}" y="${y}" width="14" height="14" fill="${COLOURS[id]}"/>`);
    parts.push(`<text x="${x + 20}" y="${y + 12}">${xml(label(id))}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/**
 * Writes `<name>.json`, `<name>.md` and (when there are fan-out figures)
 * `<name>.svg` into `dir`; returns the paths.
 *
 * @public
 */
export function writeReport(results: BenchResults, dir: string, name: string): string[] {
  const written: string[] = [];
  const write = (file: string, content: string): void => {
    const path = join(dir, file);
    writeFileSync(path, content);
    written.push(path);
  };
  write(`${name}.json`, `${JSON.stringify(results, null, 2)}\n`);
  write(`${name}.md`, markdown(results));
  if (results.summary.length > 0) write(`${name}.svg`, svg(results));
  return written;
}

// Standalone: re-render the markdown and chart from a saved JSON file.
if (process.argv[1]?.endsWith('report.ts')) {
  const file = process.argv[2] ?? join(BENCH_DIR, 'results', 'latest.json');
  const results = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
  // Recomputed, so a change to summarise.ts applies to saved trials too.
  if (results.trials.length > 0) results.summary = summariseTrials(results.trials);
  if (results.discovery !== undefined) results.discoverySummary = summariseDiscovery(results.discovery);
  if (results.trials.length > 0 || results.discovery !== undefined) results.targets = checkTargets(results.summary, results.discovery);
  if (results.history.length > 0) results.historySummary = summariseHistory(results.history);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  const name = file.replace(/^.*\//, '').replace(/\.json$/, '');
  writeFileSync(join(dirname(file), `${name}.md`), markdown(results));
  if (results.summary.length > 0) writeFileSync(join(dirname(file), `${name}.svg`), svg(results));
  console.log(`re-summarised ${file}; re-rendered ${name}.md and ${name}.svg`);
}
