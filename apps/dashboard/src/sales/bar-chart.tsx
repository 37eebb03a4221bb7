import { useI18n } from '../i18n/i18n';

export interface Bar {
  label: string;
  /** Longer text for the tooltip and the screen reader's table. */
  title: string;
  sales: number;
  returns: number;
}

const WIDTH = 760;
const HEIGHT = 280;
const PAD = { top: 16, right: 12, bottom: 28, left: 72 };

/** A plain SVG column chart: sales per bucket, returns beside them. */
export function BarChart({
  bars,
  currency,
  caption,
}: {
  bars: Bar[];
  currency: string | null;
  caption: string;
}) {
  const { t, fmt } = useI18n();
  const max = Math.max(1, ...bars.map((b) => Math.max(b.sales, b.returns)));
  const step = niceStep(max / 4);
  const top = Math.ceil(max / step) * step;
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, bars.length);
  const barW = Math.max(2, slot * 0.42);
  const y = (value: number) => PAD.top + plotH - (value / top) * plotH;
  const ticks = Array.from({ length: Math.round(top / step) + 1 }, (_, i) => i * step);
  const labelEvery = bars.length > 24 ? 2 : bars.length > 12 ? 1 : 1;
  const short = (minor: number) => fmt.money(minor, null).replace(/[.,]00$/, '');

  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={caption}
        preserveAspectRatio="xMidYMid meet"
      >
        {ticks.map((tick) => (
          <g key={tick}>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(tick)} y2={y(tick)} className="grid" />
            <text x={PAD.left - 6} y={y(tick)} className="axis" textAnchor="end" dominantBaseline="middle">
              {short(tick)}
            </text>
          </g>
        ))}
        {bars.map((bar, i) => {
          const x = PAD.left + i * slot + (slot - barW * 2) / 2;
          return (
            <g key={i}>
              <rect
                x={x}
                y={y(bar.sales)}
                width={barW}
                height={PAD.top + plotH - y(bar.sales)}
                className="bar-sales"
              >
                <title>{`${bar.title}: ${t('sales.sales')} ${fmt.money(bar.sales, currency)}`}</title>
              </rect>
              <rect
                x={x + barW}
                y={y(bar.returns)}
                width={barW}
                height={PAD.top + plotH - y(bar.returns)}
                className="bar-returns"
              >
                <title>{`${bar.title}: ${t('sales.returns')} ${fmt.money(bar.returns, currency)}`}</title>
              </rect>
              {i % labelEvery === 0 && (
                <text x={PAD.left + i * slot + slot / 2} y={HEIGHT - 10} className="axis" textAnchor="middle">
                  {bar.label}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption className="legend">
        <span className="legend-sales">{t('sales.sales')}</span>
        <span className="legend-returns">{t('sales.returns')}</span>
      </figcaption>
    </figure>
  );
}

/** 1, 2 or 5 times a power of ten: gridlines at amounts a person reads at a glance. */
function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  const scaled = raw / power;
  return (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10) * power;
}
