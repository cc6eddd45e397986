import type { DDSketch } from '@datadog/sketches-js';
import proto from '@datadog/sketches-js/dist/ddsketch/proto/compiled.js';
import type { DenseStore } from '@datadog/sketches-js/dist/ddsketch/store/index.js';

/**
 * DDSketch to its protobuf form (the library's own schema and encoder, so `DDSketch.fromProto` reads it), without two
 * costs of `sketch.toProto()`: it calls `require` three times per call (slow under a module loader hook such as tsx:
 * about half of its ~120 us), and it writes every bin of the dense store, ~128 of them even for a single value (about
 * 1 KB). Here the mapping is encoded once per gamma and each store is trimmed to its non-zero bins (the same counts at
 * the same keys: the decoded sketch answers the same quantiles): ~7 us and ~50 bytes for a one-value sketch.
 */

type MappingMessage = ReturnType<DDSketch['mapping']['toProto']>;
type StoreMessage = { contiguousBinCounts: number[]; contiguousBinIndexOffset: number };
/** The package's generated protobuf module; its .d.ts declares only a protobufjs Root, not the message classes. */
const ProtoSketch = (
  proto as unknown as {
    DDSketch: {
      encode(message: {
        mapping: MappingMessage;
        positiveValues: StoreMessage;
        negativeValues: StoreMessage;
        zeroCount: number;
      }): { finish(): Uint8Array };
    };
  }
).DDSketch;

const mappings = new Map<number, MappingMessage>();

function storeProto(store: DenseStore): StoreMessage {
  const bins = store.bins;
  let first = 0;
  let end = bins.length;
  while (first < end && bins[first] === 0) first++;
  while (end > first && bins[end - 1] === 0) end--;
  return { contiguousBinCounts: bins.slice(first, end), contiguousBinIndexOffset: store.offset + first };
}

export function encodeSketch(sketch: DDSketch): Uint8Array {
  let mapping = mappings.get(sketch.mapping.gamma);
  if (!mapping) {
    mapping = sketch.mapping.toProto();
    mappings.set(sketch.mapping.gamma, mapping);
  }
  return ProtoSketch.encode({
    mapping,
    positiveValues: storeProto(sketch.store),
    negativeValues: storeProto(sketch.negativeStore),
    zeroCount: sketch.zeroCount,
  }).finish();
}
