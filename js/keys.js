// Keyword keys resolved on the JS side: a string key passed to wasm is encoded into wasm
// memory (an allocation and a copy) and searched in the dictionary on every call, about half
// the cost of a `get`. `Dataset.get`, `has` and `element` look string keys up here first,
// through a cache of what `tagOf` answered (cleared past 10,000 keys, since "GGGGEEEE" keys
// are unbounded).
const MAX_KEYS = 10_000;

/** Makes `Dataset.prototype.get`, `has` and `element` resolve string keys with `tagOf`. */
export function resolveKeys(Dataset, tagOf) {
  const tags = new Map();
  const tagFor = (key) => {
    if (typeof key !== 'string') return key;
    let tag = tags.get(key);
    if (tag === undefined) {
      tag = tagOf(key);
      if (tags.size >= MAX_KEYS) tags.clear();
      tags.set(key, tag);
    }
    return tag;
  };
  for (const name of ['get', 'has', 'element']) {
    const method = Dataset.prototype[name];
    Dataset.prototype[name] = function (key) {
      return method.call(this, tagFor(key));
    };
  }
}
