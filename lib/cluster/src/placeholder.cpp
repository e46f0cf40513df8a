// Placeholder so the cluster library has a translation unit until prewarm/bench land.
