package dev.airlock.imports.serve;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The logged-in sessions by key, and who gets a slot of {@code --max-sessions} when they are all
 * taken: a key holding fewer sessions than the key holding the most gets in, and the newest
 * session of that key is closed to make room (a push it carried resumes from its {@code .part});
 * any other newcomer is refused. One pool shared by every key let one authorized key that kept its
 * sessions busy (so never idle) hold all of it, and every other key's push was closed right after
 * its login for as long as it liked (red-team pass U, U2). Every key can thus always hold its share.
 *
 * @param <S> a session
 */
final class KeyShares<S> {
    /** What {@link #admit} decided: {@code refused}, or admitted with {@code displaced} (a session to close) or none. */
    record Admission<S>(boolean refused, S displaced, String displacedKey, int held) {
    }

    private final int max;
    private final Map<String, List<S>> byKey = new HashMap<>();
    private int total;

    KeyShares(int max) {
        this.max = max;
    }

    /** Counts {@code session} of {@code key} in, making room as the class comment says, or refuses it (not counted). */
    synchronized Admission<S> admit(String key, S session) {
        List<S> own = byKey.computeIfAbsent(key, k -> new ArrayList<>());
        if (total < max) {
            own.add(session);
            total++;
            return new Admission<>(false, null, null, 0);
        }
        String top = null;
        for (Map.Entry<String, List<S>> e : byKey.entrySet()) {
            if (!e.getKey().equals(key) && (top == null || e.getValue().size() > byKey.get(top).size())) {
                top = e.getKey();
            }
        }
        if (top == null || byKey.get(top).size() <= own.size() + 1) {
            if (own.isEmpty()) {
                byKey.remove(key);
            }
            return new Admission<>(true, null, null, 0);
        }
        List<S> theirs = byKey.get(top);
        int held = theirs.size();
        S displaced = theirs.remove(theirs.size() - 1);
        own.add(session);
        return new Admission<>(false, displaced, top, held);
    }

    /** {@code session} of {@code key} is gone (closed, or displaced); nothing if it was not counted. */
    synchronized void closed(String key, S session) {
        List<S> own = byKey.get(key);
        if (own != null && own.remove(session)) {
            total--;
            if (own.isEmpty()) {
                byKey.remove(key);
            }
        }
    }
}
