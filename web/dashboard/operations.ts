import { graphql } from './gql/gql.js';

/**
 * Every operation the dashboard sends, each a named document. GraphQL Code Generator types them (web/dashboard/gql/)
 * and lists them by sha256 in gql/persisted-documents.json, the trusted documents the server accepts: the page only
 * ever sends a document's hash, so it runs against a server with PERSISTED_OPERATIONS_ONLY=true.
 */

export const DashboardViewer = graphql(`
  query DashboardViewer {
    viewer {
      role
      customerName
      partner {
        name
      }
    }
  }
`);

/** State and the newest event cursor in one request (README: "A dashboard: state, then live"). */
export const DashboardState = graphql(`
  query DashboardState {
    peeringServices(first: 50, orderBy: { field: CREATED_AT, direction: DESC }) {
      totalCount
      edges {
        node {
          id
          name
          provisioningState
          customerLocation {
            country
            state
          }
          partner {
            name
          }
          primaryPeeringLocation {
            name
          }
          backupPeeringLocation {
            name
          }
          prefixes(first: 20) {
            edges {
              node {
                id
                name
                prefix
                validationState
                errorMessage
              }
            }
          }
        }
      }
    }
    latestEvents: prefixEvents(first: 30, orderBy: { field: SEQUENCE, direction: DESC }) {
      edges {
        cursor
        node {
          type
          level
          summary
          occurredAt
          prefix {
            id
            prefix
          }
        }
      }
    }
  }
`);

export const LiveEvents = graphql(`
  subscription LiveEvents($after: String) {
    prefixEvents(after: $after) {
      __typename
      ... on PrefixEvent {
        cursor
        type
        level
        summary
        occurredAt
        prefix {
          id
          prefix
          validationState
          errorMessage
        }
      }
      ... on ResyncRequired {
        oldestAvailableCursor
        reason
      }
    }
  }
`);

export const LatencyState = graphql(`
  query LatencyState($prefixId: ID!) {
    node(id: $prefixId) {
      ... on Prefix {
        latency(range: LAST_1_DAY, granularity: FIVE_MINUTES) {
          measuredPrefix
          buckets {
            start
            sampleCount
            p50Ms
            p95Ms
            p99Ms
          }
        }
      }
    }
  }
`);

export const LiveLatency = graphql(`
  subscription LiveLatency($prefixId: ID!, $since: DateTime) {
    latencyUpdated(prefixId: $prefixId, granularity: FIVE_MINUTES, since: $since) {
      bucket {
        start
        sampleCount
        p50Ms
        p95Ms
        p99Ms
      }
    }
  }
`);
