import { useEffect, useRef } from 'react';
import type { IChartApi } from 'lightweight-charts';
import type { EquityPoint } from '../../../../shared/model.ts';
import { drawdownSeries } from '../instances/tableModel.ts';
import { useResolvedTheme } from '../../components/ThemeControl.tsx';

type Chart = IChartApi;

/** lightweight-charts wants whole, strictly increasing seconds; samples within one second keep the last. */
export function toChartSeries(points: readonly { t: number; value: number }[]): { time: number; value: number }[] {
  const out: { time: number; value: number }[] = [];
  for (const p of points) {
    if (!Number.isFinite(p.t) || !Number.isFinite(p.value)) continue;
    const time = Math.floor(p.t / 1000);
    const last = out[out.length - 1];
    if (last !== undefined && last.time >= time) {
      if (last.time === time) last.value = p.value;
      continue;
    }
    out.push({ time, value: p.value });
  }
  return out;
}

/**
 * A palette colour as the chart library can read it: the palette's light-dark() pairs resolve only
 * where they are used, so a probe element uses it and its computed colour (rgb) is read back.
 */
function cssVar(name: string): string {
  const probe = document.createElement('span');
  probe.style.color = `var(${name})`;
  document.body.append(probe);
  const color = getComputedStyle(probe).color;
  probe.remove();
  return color.trim() || '#888';
}

/**
 * Equity (capital + total PnL) on top, drawdown from the running peak below, both in quote.
 * The library is loaded on first use, so the dashboard itself never pays for it.
 */
export function EquityChart({ equity, currency }: { equity: readonly EquityPoint[]; currency: string }) {
  const hostRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<{ chart: Chart; equity: ReturnType<Chart['addSeries']>; drawdown: ReturnType<Chart['addSeries']> } | null>(null);
  const theme = useResolvedTheme();
  const dataRef = useRef(equity);
  dataRef.current = equity;

  const push = (): void => {
    const c = chartRef.current;
    if (c === null) return;
    const eq = dataRef.current;
    c.equity.setData(toChartSeries(eq.map((p) => ({ t: p.t, value: p.equity }))) as never);
    c.drawdown.setData(toChartSeries(drawdownSeries(eq).map((p) => ({ t: p.t, value: p.value }))) as never);
  };

  useEffect(() => {
    let isCancelled = false;
    let created: Chart | null = null;
    void import('lightweight-charts').then((lib) => {
      const host = hostRef.current;
      if (isCancelled || host === null) return;
      const text = cssVar('--muted');
      const grid = cssVar('--grid');
      const chart = lib.createChart(host, {
        autoSize: true,
        // The library's logo injects a <style> element, which our CSP refuses; the credit is shown as text instead.
        layout: {
          background: { type: lib.ColorType.Solid, color: 'transparent' },
          textColor: text,
          attributionLogo: false,
          fontFamily: 'system-ui, sans-serif',
          fontSize: 11,
        },
        grid: { vertLines: { color: grid }, horzLines: { color: grid } },
        rightPriceScale: { borderColor: grid },
        timeScale: { borderColor: grid, timeVisible: true, secondsVisible: true },
        localization: { priceFormatter: (v: number) => `${v.toFixed(2)}` },
        crosshair: { mode: lib.CrosshairMode.Magnet },
      });
      const equitySeries = chart.addSeries(lib.LineSeries, {
        color: cssVar('--accent'),
        lineWidth: 2,
        title: `Equity ${currency}`,
        priceLineVisible: false,
      });
      const drawdown = chart.addSeries(
        lib.AreaSeries,
        {
          lineColor: cssVar('--neg'),
          topColor: 'rgba(240,86,74,0.05)',
          bottomColor: 'rgba(240,86,74,0.35)',
          lineWidth: 1,
          title: `Drawdown ${currency}`,
          priceLineVisible: false,
          invertFilledArea: true,
        },
        1,
      );
      chart.panes()[0]?.setStretchFactor(0.7);
      chart.panes()[1]?.setStretchFactor(0.3);
      created = chart;
      chartRef.current = { chart, equity: equitySeries, drawdown };
      push();
      chart.timeScale().fitContent();
    });
    return () => {
      isCancelled = true;
      created?.remove();
      chartRef.current = null;
    };
    // Recreated on theme change so every colour follows the stylesheet's variables.
  }, [theme, currency]);

  useEffect(() => {
    push();
  }, [equity]);

  return (
    <figure className="chart" data-testid="equity-chart" data-points={equity.length}>
      <div ref={hostRef} className="chart-host" />
      <figcaption className="chart-caption">
        Equity (capital + total PnL) and drawdown from the running peak, {currency}. Charts: TradingView Lightweight Charts™.
      </figcaption>
    </figure>
  );
}
