import CMalloc

/// Set once at start, before any thread: freed heap is kept for the next request instead of being
/// trimmed and faulted back in (CMalloc's shim says why; scripts/bench-json measures it).
public enum MemoryTuning {
    public static func keepFreedHeap() {
        connections_keep_freed_heap()
    }
}
