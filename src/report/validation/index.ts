// The post-remediation validation report: a window of runs (and a baseline) as report.html, report.md, timeline.svg.
export { buildReportModel, type ReportModel, type ReportRun, type ValidationReportInput } from './model';
export { renderHtml } from './render-html';
export { renderMarkdown } from './render-md';
export { timelineSvg } from './timeline-svg';
export { loadRuns, writeValidationReport, type LoadSelection } from './write';
