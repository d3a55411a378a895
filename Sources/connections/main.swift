import ConnectionsCLI

MemoryTuning.keepFreedHeap()
// Called synchronously on the main thread: the server's signal handling relies on it (TECH-NOTES).
ConnectionsCommand.main()
