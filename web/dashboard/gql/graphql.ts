/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** Severity, ordered INFORMATION < WARNING < ERROR < CRITICAL. */
export type EventLevel =
  | 'CRITICAL'
  | 'ERROR'
  | 'INFORMATION'
  | 'WARNING';

/** Route, visibility, validation and latency events. The Azure name (azureEventType) is given where Azure defines one, e.g. ORIGIN_AS_CHANGE is Azure's PrefixOriginAsChangeEvent. */
export type PrefixEventType =
  | 'ACTIVE_PATH'
  | 'ANNOUNCEMENT'
  | 'BACKUP_PATH'
  | 'BACKUP_ROUTE_ANNOUNCEMENT'
  | 'BACKUP_ROUTE_ORIGIN_AS_CHANGE'
  | 'BACKUP_ROUTE_WITHDRAWAL'
  | 'LATENCY_DEGRADED'
  | 'LATENCY_RECOVERED'
  | 'MORE_SPECIFIC_HIJACK'
  | 'NEW_MORE_SPECIFIC'
  | 'ORIGIN_AS_CHANGE'
  | 'ROUTE_LEAK'
  | 'VALIDATION_STATE_CHANGED'
  | 'VISIBILITY_LOSS'
  | 'VISIBILITY_RESTORED'
  | 'WITHDRAWAL';

/** PENDING: waiting for the partner to announce the prefix. VERIFIED: announced correctly on every required session. WARNING: was verified, now some required session lost it or breaks a rule. FAILED: see errorMessage. */
export type PrefixValidationState =
  | 'FAILED'
  | 'INVALID'
  | 'NONE'
  | 'PENDING'
  | 'UNKNOWN'
  | 'VERIFIED'
  | 'WARNING';

export type ProvisioningState =
  | 'DELETING'
  | 'FAILED'
  | 'SUCCEEDED'
  | 'UPDATING';

export type DashboardViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type DashboardViewerQuery = { viewer: { role: string, customerName: string | null, partner: { name: string } | null } | null };

export type DashboardStateQueryVariables = Exact<{ [key: string]: never; }>;


export type DashboardStateQuery = { peeringServices: { totalCount: number, edges: Array<{ node: { id: string, name: string, provisioningState: ProvisioningState, customerLocation: { country: string, state: string }, partner: { name: string }, primaryPeeringLocation: { name: string }, backupPeeringLocation: { name: string } | null, prefixes: { edges: Array<{ node: { id: string, name: string, prefix: string, validationState: PrefixValidationState, errorMessage: string | null } }> } } }> } | null, latestEvents: { edges: Array<{ cursor: string, node: { type: PrefixEventType, level: EventLevel, summary: string, occurredAt: string, prefix: { id: string, prefix: string } } }> } | null };

export type LiveEventsSubscriptionVariables = Exact<{
  after?: string | null | undefined;
}>;


export type LiveEventsSubscription = { prefixEvents:
    | { __typename: 'PrefixEvent', cursor: string, type: PrefixEventType, level: EventLevel, summary: string, occurredAt: string, prefix: { id: string, prefix: string, validationState: PrefixValidationState, errorMessage: string | null } }
    | { __typename: 'ResyncRequired', oldestAvailableCursor: string | null, reason: string }
   };

export type LatencyStateQueryVariables = Exact<{
  prefixId: string | number;
}>;


export type LatencyStateQuery = { node:
    | { latency: { measuredPrefix: string, buckets: Array<{ start: string, sampleCount: number, p50Ms: number, p95Ms: number, p99Ms: number }> } }
    | Record<PropertyKey, never>
   | null };

export type LiveLatencySubscriptionVariables = Exact<{
  prefixId: string | number;
  since?: string | null | undefined;
}>;


export type LiveLatencySubscription = { latencyUpdated: { bucket: { start: string, sampleCount: number, p50Ms: number, p95Ms: number, p99Ms: number } } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const DashboardViewerDocument = new TypedDocumentString(`
    query DashboardViewer {
  viewer {
    role
    customerName
    partner {
      name
    }
  }
}
    `, {"hash":"sha256:12baa3e406c0fd6241547f0226938a1ebf8d261b3890056c74438c93596dc770"}) as unknown as TypedDocumentString<DashboardViewerQuery, DashboardViewerQueryVariables>;
export const DashboardStateDocument = new TypedDocumentString(`
    query DashboardState {
  peeringServices(first: 50, orderBy: {field: CREATED_AT, direction: DESC}) {
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
  latestEvents: prefixEvents(
    first: 30
    orderBy: {field: SEQUENCE, direction: DESC}
  ) {
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
    `, {"hash":"sha256:868deb2e3ca22c3edd8bdc3511d17bcf39be0a6a440823c7c75c68f3cf07f377"}) as unknown as TypedDocumentString<DashboardStateQuery, DashboardStateQueryVariables>;
export const LiveEventsDocument = new TypedDocumentString(`
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
    `, {"hash":"sha256:ad2c4c0927a9c143df2f9caf8a4f65166a344d913fef13cc17fb93c46c7537d6"}) as unknown as TypedDocumentString<LiveEventsSubscription, LiveEventsSubscriptionVariables>;
export const LatencyStateDocument = new TypedDocumentString(`
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
    `, {"hash":"sha256:2b192fa95b028a2376d3104df0ab1a807afa66a9dd6b63e4393cd9b1842c9bda"}) as unknown as TypedDocumentString<LatencyStateQuery, LatencyStateQueryVariables>;
export const LiveLatencyDocument = new TypedDocumentString(`
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
    `, {"hash":"sha256:25a718c3a0788e427d2728f45e677ea9c09f98f01d8a054404f76365ea84d41b"}) as unknown as TypedDocumentString<LiveLatencySubscription, LiveLatencySubscriptionVariables>;