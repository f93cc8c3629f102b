// Table types for case studies, golden threads, templates, self-assessments (issue 8). Their migrations are the truth.
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface LibraryTables {}
