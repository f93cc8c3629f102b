// Table types for data day agendas, room notes, publications (issue 9). Their migrations are the truth.
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface DatadayTables {}
