/**
 * The repositories' write-through read caches. This process is the database's only writer
 * (LevelDB's lock) and each kind of key is written by one repository, so a repository that updates
 * its cache on every write it makes serves cached reads that are never stale.
 */

/** entries a repository keeps per cache: the popular samples, reports and anchors of a busy API */
export const READ_CACHE_ENTRIES = 4096

/** Keeps `value` under `key` as the newest entry, forgetting the oldest when the map is full. */
export function remember<K, V> (map: Map<K, V>, key: K, value: V): void {
  map.delete(key)
  if (map.size >= READ_CACHE_ENTRIES) map.delete(map.keys().next().value as K)
  map.set(key, value)
}
