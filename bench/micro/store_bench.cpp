// The audit trail's cost on the store thread: SqliteStore::appendAudit of a batch of records shaped
// like a forwarded non-stream request's (about 450 bytes of JSON), into a file in WAL mode, as the
// gateway does under load (one transaction per batch). Reports the time per record.
//   build/bench/micro/store_bench [--benchmark_filter=...]
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "store/sqlite_store.h"

namespace {

using switchyard::store::AuditRecord;

std::vector<AuditRecord> makeBatch(std::size_t size, std::uint64_t& counter) {
  std::vector<AuditRecord> batch(size);
  for (AuditRecord& record : batch) {
    char id[32];
    std::snprintf(id, sizeof id, "7f3a9c0d2e1b-%08llx", static_cast<unsigned long long>(++counter));
    record.request_id = id;
    record.time_ms = 1'765'000'000'000 + static_cast<std::int64_t>(counter / 30);
    record.start_ns = record.time_ms * 1'000'000;
    record.route = "bench";
    record.outcome = "ok";
    record.status = 200;
    record.cost_nano_usd = 15'000;
    record.tokens = 43;
    record.json = std::string(R"({"request_id":")") + id +
                  R"(","time_ms":1765000000000,"api":"openai","endpoint":"chat.completions","key_id":null,)"
                  R"("route":"bench","stream":false,"status":200,"outcome":"ok","attempts":1,"served_by":"up/gpt-4o-mini",)"
                  R"("continued_by":null,"data_classes":[],"pii":null,"targets":[{"target":"up/gpt-4o-mini","verdict":"tried",)"
                  R"("attempt":1,"result":"ok","status":200,"usage":{"input_tokens":24,"output_tokens":19,)"
                  R"("cached_input_tokens":0,"reasoning_tokens":0},"cost_usd":"0.000015"}],"cost_usd":"0.000015",)"
                  R"("tokens":43,"latency_ms":0.4})";
  }
  return batch;
}

void AppendAudit(benchmark::State& state) {
  const auto dir = std::filesystem::temp_directory_path() / ("sy-store-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    auto store = switchyard::store::SqliteStore::open((dir / "bench.db").string());
    std::uint64_t counter = 0;
    const auto batch_size = static_cast<std::size_t>(state.range(0));
    for (auto _ : state) {
      state.PauseTiming();
      const auto batch = makeBatch(batch_size, counter);
      state.ResumeTiming();
      store->appendAudit(batch);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(counter));
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(AppendAudit)->Arg(64)->Arg(256)->Arg(1024)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
