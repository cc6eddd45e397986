/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query DashboardViewer {\n    viewer {\n      role\n      customerName\n      partner {\n        name\n      }\n    }\n  }\n": typeof types.DashboardViewerDocument,
    "\n  query DashboardState {\n    peeringServices(first: 50, orderBy: { field: CREATED_AT, direction: DESC }) {\n      totalCount\n      edges {\n        node {\n          id\n          name\n          provisioningState\n          customerLocation {\n            country\n            state\n          }\n          partner {\n            name\n          }\n          primaryPeeringLocation {\n            name\n          }\n          backupPeeringLocation {\n            name\n          }\n          prefixes(first: 20) {\n            edges {\n              node {\n                id\n                name\n                prefix\n                validationState\n                errorMessage\n              }\n            }\n          }\n        }\n      }\n    }\n    latestEvents: prefixEvents(first: 30, orderBy: { field: SEQUENCE, direction: DESC }) {\n      edges {\n        cursor\n        node {\n          type\n          level\n          summary\n          occurredAt\n          prefix {\n            id\n            prefix\n          }\n        }\n      }\n    }\n  }\n": typeof types.DashboardStateDocument,
    "\n  subscription LiveEvents($after: String) {\n    prefixEvents(after: $after) {\n      __typename\n      ... on PrefixEvent {\n        cursor\n        type\n        level\n        summary\n        occurredAt\n        prefix {\n          id\n          prefix\n          validationState\n          errorMessage\n        }\n      }\n      ... on ResyncRequired {\n        oldestAvailableCursor\n        reason\n      }\n    }\n  }\n": typeof types.LiveEventsDocument,
    "\n  query LatencyState($prefixId: ID!) {\n    node(id: $prefixId) {\n      ... on Prefix {\n        latency(range: LAST_1_DAY, granularity: FIVE_MINUTES) {\n          measuredPrefix\n          buckets {\n            start\n            sampleCount\n            p50Ms\n            p95Ms\n            p99Ms\n          }\n        }\n      }\n    }\n  }\n": typeof types.LatencyStateDocument,
    "\n  subscription LiveLatency($prefixId: ID!, $since: DateTime) {\n    latencyUpdated(prefixId: $prefixId, granularity: FIVE_MINUTES, since: $since) {\n      bucket {\n        start\n        sampleCount\n        p50Ms\n        p95Ms\n        p99Ms\n      }\n    }\n  }\n": typeof types.LiveLatencyDocument,
};
const documents: Documents = {
    "\n  query DashboardViewer {\n    viewer {\n      role\n      customerName\n      partner {\n        name\n      }\n    }\n  }\n": types.DashboardViewerDocument,
    "\n  query DashboardState {\n    peeringServices(first: 50, orderBy: { field: CREATED_AT, direction: DESC }) {\n      totalCount\n      edges {\n        node {\n          id\n          name\n          provisioningState\n          customerLocation {\n            country\n            state\n          }\n          partner {\n            name\n          }\n          primaryPeeringLocation {\n            name\n          }\n          backupPeeringLocation {\n            name\n          }\n          prefixes(first: 20) {\n            edges {\n              node {\n                id\n                name\n                prefix\n                validationState\n                errorMessage\n              }\n            }\n          }\n        }\n      }\n    }\n    latestEvents: prefixEvents(first: 30, orderBy: { field: SEQUENCE, direction: DESC }) {\n      edges {\n        cursor\n        node {\n          type\n          level\n          summary\n          occurredAt\n          prefix {\n            id\n            prefix\n          }\n        }\n      }\n    }\n  }\n": types.DashboardStateDocument,
    "\n  subscription LiveEvents($after: String) {\n    prefixEvents(after: $after) {\n      __typename\n      ... on PrefixEvent {\n        cursor\n        type\n        level\n        summary\n        occurredAt\n        prefix {\n          id\n          prefix\n          validationState\n          errorMessage\n        }\n      }\n      ... on ResyncRequired {\n        oldestAvailableCursor\n        reason\n      }\n    }\n  }\n": types.LiveEventsDocument,
    "\n  query LatencyState($prefixId: ID!) {\n    node(id: $prefixId) {\n      ... on Prefix {\n        latency(range: LAST_1_DAY, granularity: FIVE_MINUTES) {\n          measuredPrefix\n          buckets {\n            start\n            sampleCount\n            p50Ms\n            p95Ms\n            p99Ms\n          }\n        }\n      }\n    }\n  }\n": types.LatencyStateDocument,
    "\n  subscription LiveLatency($prefixId: ID!, $since: DateTime) {\n    latencyUpdated(prefixId: $prefixId, granularity: FIVE_MINUTES, since: $since) {\n      bucket {\n        start\n        sampleCount\n        p50Ms\n        p95Ms\n        p99Ms\n      }\n    }\n  }\n": types.LiveLatencyDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DashboardViewer {\n    viewer {\n      role\n      customerName\n      partner {\n        name\n      }\n    }\n  }\n"): typeof import('./graphql.js').DashboardViewerDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DashboardState {\n    peeringServices(first: 50, orderBy: { field: CREATED_AT, direction: DESC }) {\n      totalCount\n      edges {\n        node {\n          id\n          name\n          provisioningState\n          customerLocation {\n            country\n            state\n          }\n          partner {\n            name\n          }\n          primaryPeeringLocation {\n            name\n          }\n          backupPeeringLocation {\n            name\n          }\n          prefixes(first: 20) {\n            edges {\n              node {\n                id\n                name\n                prefix\n                validationState\n                errorMessage\n              }\n            }\n          }\n        }\n      }\n    }\n    latestEvents: prefixEvents(first: 30, orderBy: { field: SEQUENCE, direction: DESC }) {\n      edges {\n        cursor\n        node {\n          type\n          level\n          summary\n          occurredAt\n          prefix {\n            id\n            prefix\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.js').DashboardStateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LiveEvents($after: String) {\n    prefixEvents(after: $after) {\n      __typename\n      ... on PrefixEvent {\n        cursor\n        type\n        level\n        summary\n        occurredAt\n        prefix {\n          id\n          prefix\n          validationState\n          errorMessage\n        }\n      }\n      ... on ResyncRequired {\n        oldestAvailableCursor\n        reason\n      }\n    }\n  }\n"): typeof import('./graphql.js').LiveEventsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LatencyState($prefixId: ID!) {\n    node(id: $prefixId) {\n      ... on Prefix {\n        latency(range: LAST_1_DAY, granularity: FIVE_MINUTES) {\n          measuredPrefix\n          buckets {\n            start\n            sampleCount\n            p50Ms\n            p95Ms\n            p99Ms\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.js').LatencyStateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LiveLatency($prefixId: ID!, $since: DateTime) {\n    latencyUpdated(prefixId: $prefixId, granularity: FIVE_MINUTES, since: $since) {\n      bucket {\n        start\n        sampleCount\n        p50Ms\n        p95Ms\n        p99Ms\n      }\n    }\n  }\n"): typeof import('./graphql.js').LiveLatencyDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
