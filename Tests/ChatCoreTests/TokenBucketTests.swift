import ChatCore
import Testing

@Suite("Core: the rate limit")
struct TokenBucketTests {
    @Test("a burst passes at once; beyond it, each request waits its share of a second")
    func burstThenRate() {
        var bucket = TokenBucket(rate: 10, burst: 3, now: 100)
        #expect((0..<3).map { _ in bucket.take(now: 100) } == [0, 0, 0])
        #expect(abs(bucket.take(now: 100) - 0.1) < 1e-9)
        #expect(abs(bucket.take(now: 100) - 0.2) < 1e-9)
        // A second later the bucket is full again, but holds no more than its burst.
        #expect(bucket.take(now: 102) == 0)
        #expect((0..<2).map { _ in bucket.take(now: 102) } == [0, 0])
        #expect(bucket.take(now: 102) > 0)
    }

    @Test("rate 0 means no limit")
    func unlimited() {
        var bucket = TokenBucket(rate: 0, burst: 1, now: 0)
        #expect((0..<10_000).allSatisfy { _ in bucket.take(now: 0) == 0 })
    }
}
