// Table types for audit trail, imports and import mappings (issue 6). Their migrations are the truth.
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface DataTables {}
