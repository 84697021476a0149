import Prometheus

extension ServerMetrics {
    /// Instruments over a Prometheus registry of their own, with buckets for chat's durations
    /// and batch sizes.
    static func prometheus(searchIndex: Bool = false) -> ServerMetrics {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = durationBuckets
        factory.defaultValueHistogramBuckets = batchBuckets
        return ServerMetrics(factory: factory, searchIndex: searchIndex) { registry.emitToString() }
    }
}
