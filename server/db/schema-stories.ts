// Table types for stories, partners, what works, actions, data development agenda, programmes (issue 7). Their migrations are the truth.
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface StoriesTables {}
