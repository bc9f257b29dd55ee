package dev.airlock.oci;

import dev.airlock.digest.Digest;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.Function;

/**
 * An unmodifiable map over an array of values, each keyed by its own digest, in the array's order:
 * what {@link ImageTree} shows of what it keeps as arrays. Made on each call and dropped after use;
 * a lookup scans the array (a tree holds a handful of manifests and blobs, an index a few hundred).
 */
final class DigestMap<V> extends AbstractMap<Digest, V> {
    private final V[] values;
    private final Function<V, Digest> key;

    DigestMap(V[] values, Function<V, Digest> key) {
        this.values = values;
        this.key = key;
    }

    @Override
    public int size() {
        return values.length;
    }

    @Override
    public V get(Object k) {
        for (V v : values) {
            if (key.apply(v).equals(k)) {
                return v;
            }
        }
        return null;
    }

    @Override
    public boolean containsKey(Object k) {
        return get(k) != null;
    }

    @Override
    public Set<Entry<Digest, V>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public int size() {
                return values.length;
            }

            @Override
            public Iterator<Entry<Digest, V>> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < values.length;
                    }

                    @Override
                    public Entry<Digest, V> next() {
                        if (next >= values.length) {
                            throw new NoSuchElementException();
                        }
                        V v = values[next++];
                        return new SimpleImmutableEntry<>(key.apply(v), v);
                    }
                };
            }
        };
    }
}
