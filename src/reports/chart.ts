/**
 * Renders a Vega-Lite spec to SVG headless (no canvas, no browser). Vega is loaded on first use:
 * only the runbooks that write a report pay for it.
 */
export async function renderChartSvg(spec: Record<string, unknown>): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vegaLite.compile(spec as unknown as Parameters<typeof vegaLite.compile>[0]);
  const view = new vega.View(vega.parse(compiled.spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
