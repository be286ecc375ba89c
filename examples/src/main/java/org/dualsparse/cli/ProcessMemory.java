package org.dualsparse.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's memory as the operating system sees it: resident set size, and the part of it
 * that is neither Java heap nor direct buffers (libtorch's and ONNX Runtime's native allocations,
 * thread stacks, code), where a native leak would show.
 */
record ProcessMemory(long rssBytes, long heapBytes, long directBytes) {

    /** A sample now, after asking for a garbage collection so that the heap figure is the live heap. */
    static ProcessMemory sample() {
        System.gc();
        Runtime runtime = Runtime.getRuntime();
        long direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct"))
                .mapToLong(BufferPoolMXBean::getMemoryUsed)
                .sum();
        return new ProcessMemory(residentBytes(), runtime.totalMemory(), direct);
    }

    /** RSS minus the committed heap and the direct buffers. */
    long nativeBytes() {
        return rssBytes - heapBytes - directBytes;
    }

    private static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status: resident memory is read on Linux only");
    }
}
