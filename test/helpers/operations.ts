/**
 * GraphQL documents that tests of real server processes use to set up a customer through the public API (the same
 * texts serve as a trusted-documents manifest where the server runs PERSISTED_OPERATIONS_ONLY).
 */
export const SETUP_OPERATIONS = {
  createCustomer: 'mutation C($n: String!) { createCustomer(input: { name: $n }) { customer { id } } }',
  createToken:
    'mutation T($i: CreateApiTokenInput!) { createApiToken(input: $i) { token userErrors { code message } } }',
  colt: 'query P { partners(first: 5, filter: { search: "Colt" }) { edges { node { id name peeringLocations { id name } } } } }',
  registerPrefix:
    'mutation R($i: RegisterPartnerPrefixInput!) { registerPartnerPrefix(input: $i) { registration { prefixKey } userErrors { message } } }',
  createService:
    'mutation S($i: CreatePeeringServiceInput!) { createPeeringService(input: $i) { peeringService { id } userErrors { message } } }',
  ingest:
    'mutation I($i: IngestRouteUpdatesInput!) { ingestRouteUpdates(input: $i) { accepted rejected userErrors { message } } }',
  events: 'query E { prefixEvents(first: 100) { edges { cursor } } }',
};
