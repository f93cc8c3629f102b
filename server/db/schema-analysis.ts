// Table types for baselines and analysis settings (issue 5). Their migrations are the truth.
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface AnalysisTables {}
