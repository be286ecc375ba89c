package org.dualsparse.reference;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Read access to a checkpoint's tensors by HF name that checks every tensor's size, widens it to
 * double, and can tell which tensors were never read (so a checkpoint with extra names fails too).
 */
final class CheckedTensors {
    private final Map<String, float[]> tensors;
    private final Set<String> read = new HashSet<>();

    CheckedTensors(Map<String, float[]> tensors) {
        this.tensors = tensors;
    }

    double[] get(String name, int... shape) {
        float[] data = tensors.get(name);
        if (data == null) {
            throw new IllegalArgumentException("missing tensor: " + name);
        }
        long expected = 1;
        for (int s : shape) {
            expected *= s;
        }
        if (data.length != expected) {
            throw new IllegalArgumentException(
                    "tensor " + name + " has " + data.length + " values, expected shape " + Arrays.toString(shape));
        }
        read.add(name);
        double[] out = new double[data.length];
        for (int i = 0; i < data.length; i++) {
            out[i] = data[i];
        }
        return out;
    }

    void requireAllRead() {
        Set<String> unread = new TreeSet<>(tensors.keySet());
        unread.removeAll(read);
        if (!unread.isEmpty()) {
            throw new IllegalArgumentException("unexpected tensors: " + unread);
        }
    }
}
