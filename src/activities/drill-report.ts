import { timelineChartSpec } from '../policy/drill-report';
import type { TimelineEntry } from '../policy/drill-timeline';
import { checkReportName } from '../reports/files';
import { resolveReportDir } from '../trust/report-dir';
import type { DrillAdapters } from './drill-adapters';

export interface WriteReportInput {
  drillId: string;
  /** Default `reports/` in the repository; a relative path is taken from the repository root. */
  reportDir?: string;
  markdown: string;
  chart: { title: string; subtitle?: string; timeline: TimelineEntry[]; slaMs: number };
}

/**
 * Renders the timeline chart to SVG and writes `<reportDir>/<drillId>.md` and `.svg`: the name
 * and the folder are checked before anything is rendered or written. Rewriting the same drill's
 * files on a retry is harmless.
 */
export const writeDrillReportWith = (a: DrillAdapters) =>
  async function writeDrillReport(
    input: WriteReportInput,
  ): Promise<{ markdownPath: string; svgPath: string; svg: string }> {
    checkReportName(input.drillId);
    const dir = resolveReportDir(input.reportDir);
    const svg = await a.reports.renderChart(timelineChartSpec(input.chart));
    const [svgPath, markdownPath] = await a.reports.write(dir, input.drillId, [
      { extension: '.svg', content: svg },
      { extension: '.md', content: input.markdown },
    ]);
    return { markdownPath: markdownPath as string, svgPath: svgPath as string, svg };
  };
