/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** Severity, ordered INFORMATION < WARNING < ERROR < CRITICAL; `minLevel` filters keep that level and above. */
export type EventLevel =
  /** Possible hijack: the prefix or a more-specific announced from an unexpected origin. */
  | 'CRITICAL'
  /** Service affected: a prefix failed validation, a route leak, visibility loss, a wrong origin on the backup route. */
  | 'ERROR'
  /** Routine: a route announced, a path chosen, validation or latency back to normal. */
  | 'INFORMATION'
  /** Worth a look: a withdrawal, a new more-specific from the expected origin, degraded latency. */
  | 'WARNING';

/** Route, visibility, validation and latency events. The Azure name (azureEventType) is given where Azure defines one, e.g. ORIGIN_AS_CHANGE is Azure's PrefixOriginAsChangeEvent. The origin checks (ORIGIN_AS_CHANGE, BACKUP_ROUTE_ORIGIN_AS_CHANGE, MORE_SPECIFIC_HIJACK, NEW_MORE_SPECIFIC) run once the prefix has expected origin ASNs (given, or learned at first verification). */
export type PrefixEventType =
  /** The best route (shortest AS path) received at the primary location changed; asPath shows the new one. Azure PrefixActivePath. Level INFORMATION. */
  | 'ACTIVE_PATH'
  /** The partner announced the registered prefix on one of its sessions at the primary peering location. Azure PrefixAnnouncementEvent. Level INFORMATION. */
  | 'ANNOUNCEMENT'
  /** The best route received at the backup location changed; asPath shows the new one. Azure PrefixBackupPath. Level INFORMATION. */
  | 'BACKUP_PATH'
  /** The partner announced the registered prefix on one of its sessions at the backup location. Azure PrefixBackupRouteAnnouncementEvent. Level INFORMATION. */
  | 'BACKUP_ROUTE_ANNOUNCEMENT'
  /** The partner's backup-location sessions receive the registered prefix from an unexpected origin AS. Azure PrefixBackupRouteOriginAsChangeEvent. Level ERROR. */
  | 'BACKUP_ROUTE_ORIGIN_AS_CHANGE'
  /** The partner withdrew the registered prefix on one of its sessions at the backup location. Azure PrefixBackupRouteWithdrawalEvent. Level WARNING. */
  | 'BACKUP_ROUTE_WITHDRAWAL'
  /** A closed 5-minute bucket's p95 exceeded the prefix's threshold: max(2 x median, median + 20 ms) of the trailing 24 hours of 5-minute p95s, once 12 such buckets exist. One event per episode. No Azure equivalent. Level WARNING. */
  | 'LATENCY_DEGRADED'
  /** p95 latency has been back under the threshold for 2 consecutive 5-minute buckets. No Azure equivalent. Level INFORMATION. */
  | 'LATENCY_RECOVERED'
  /** A more-specific of the registered prefix is announced from an unexpected origin, seen by at least HIJACK_MIN_PEERS peers: traffic to it is diverted. No Azure equivalent. Level CRITICAL. */
  | 'MORE_SPECIFIC_HIJACK'
  /** A more-specific of the registered prefix appeared from the expected origin; it may bypass Peering Service. No Azure equivalent. Level WARNING. */
  | 'NEW_MORE_SPECIFIC'
  /** The exact registered prefix is announced from an unexpected origin AS, seen by at least HIJACK_MIN_PEERS (default 2) distinct peers: a possible hijack. Azure PrefixOriginAsChangeEvent. Level CRITICAL. */
  | 'ORIGIN_AS_CHANGE'
  /** An AS next to the origin is neither the partner nor one of the expectedUpstreamAsns (checked only when those were given). No Azure equivalent. Level ERROR. */
  | 'ROUTE_LEAK'
  /** The prefix changed validationState (see summary); level ERROR into FAILED, WARNING into WARNING, else INFORMATION. No Azure equivalent. */
  | 'VALIDATION_STATE_CHANGED'
  /** Fewer than VISIBILITY_THRESHOLD (default 50%) of the internet vantage points that saw the prefix in the last 24 hours still see it. No Azure equivalent. Level ERROR. */
  | 'VISIBILITY_LOSS'
  /** Visibility is back at or above VISIBILITY_THRESHOLD after a VISIBILITY_LOSS. No Azure equivalent. Level INFORMATION. */
  | 'VISIBILITY_RESTORED'
  /** The partner withdrew the registered prefix on one of its sessions at the primary location; traffic uses the remaining sessions or the backup location. Azure PrefixWithdrawalEvent. Level WARNING. */
  | 'WITHDRAWAL';

/** Azure's prefix validation state. peerwatch produces PENDING, VERIFIED, WARNING and FAILED; NONE, INVALID and UNKNOWN are kept from the Azure model and never appear. */
export type PrefixValidationState =
  /** Never verified within the validation timeout (VALIDATION_TIMEOUT_SECONDS, default 15 minutes), announced breaking a rule, lost on every required session, or the partner has no session there; errorMessage says why. Becomes VERIFIED again once announced correctly. */
  | 'FAILED'
  /** Azure's "Invalid". Never produced by peerwatch: kept from Azure's Peering Service model so clients can share one; a malformed prefix is refused at registration (INVALID_PREFIX) instead. */
  | 'INVALID'
  /** Azure's "None". Never produced by peerwatch: kept from Azure's Peering Service model so clients can share one. */
  | 'NONE'
  /** Just registered: waiting for the partner to announce it on its required sessions, until the validation timeout. */
  | 'PENDING'
  /** Azure's "Unknown". Never produced by peerwatch: kept from Azure's Peering Service model so clients can share one. */
  | 'UNKNOWN'
  /** Announced correctly on every required session (the partner's sessions at the primary and backup locations): community 8075:8007, AS path of at most 3 ASNs, no private ASN, no prepending, an expected origin. */
  | 'VERIFIED'
  /** Was verified; now some (not all) required sessions lost it or break a rule. errorMessage says which. */
  | 'WARNING';

/** Azure's ARM provisioning state of a peering service. peerwatch writes synchronously, so only SUCCEEDED appears; the other values exist for compatibility with Azure clients. */
export type ProvisioningState =
  /** Azure's "Deleting", while an ARM delete is in flight. Never produced by peerwatch: kept from Azure's Peering Service model so clients can share one; deletePeeringService is immediate. */
  | 'DELETING'
  /** Azure's "Failed" provisioning. Never produced by peerwatch: kept from Azure's Peering Service model so clients can share one; a refused create returns userErrors and writes nothing. */
  | 'FAILED'
  /** The peering service is provisioned. Every peering service peerwatch serves is in this state. */
  | 'SUCCEEDED'
  /** Azure's "Updating", while an ARM update is in flight. Never produced by peerwatch: kept from Azure's Peering Service model so clients can share one; peerwatch writes synchronously. */
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