package dev.airlock.io;

/**
 * Test hooks named by a system property ({@code -Dairlock.test.…=CLASS}): the tests' way to act at
 * one exact moment inside a run in another process (change a byte before the read-back, play a
 * second push), with real files instead of mocks. Unset in every real run.
 */
public final class TestHooks {
    private TestHooks() {
    }

    /** A new instance of the class named by {@code property}, or null when the property is unset or empty. */
    public static <T> T load(String property, Class<T> type) {
        String name = System.getProperty(property);
        if (name == null || name.isEmpty()) {
            return null;
        }
        try {
            return type.cast(Class.forName(name).getDeclaredConstructor().newInstance());
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalStateException("test hook " + name + ": " + e, e);
        }
    }
}
