// Cost of PII detection per KB of prompt: inspect (audit, block, escalate) and redact, on prose
// with a few values in it (the common case) and on text dense with them. Bytes/s is reported, so
// the cost per KB is 1e6 / (bytes_per_second / 1024) microseconds.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "config/config.h"
#include "policy/pii_detector.h"
#include "policy/pii_redactor.h"
#include "policy/pii_restorer.h"

namespace {

using switchyard::policy::PiiDetector;
using switchyard::policy::PiiRedactor;
using switchyard::policy::PiiRestorer;

// Prose with the numbers prose has (years, amounts, versions, times, ids), none of them PII.
constexpr const char* kParagraphs[] = {
    "The quarterly report shows that revenue grew 12.5% to $1,234,567 in 2023, while costs fell "
    "slightly. Section 4.2 explains the change; see ticket #48213 for the discussion that led to "
    "it. ",
    "Please summarise the attached meeting notes from 10:30 on 2024-03-15. The team agreed to ship "
    "version 2.4.1 next week, after the load test reaches 5000 requests per second. ",
    "Customers asked about the new pricing tiers: the basic plan stays at 9.99 per month and the "
    "premium plan moves to 19.99. Order 55012 was refunded because of a billing error. ",
    "Write a polite reply explaining the delay. Mention that the shipment left the warehouse on "
    "Monday and that tracking shows it in transit. Keep it under 120 words and friendly. ",
};

constexpr const char* kValues[] = {
    "ann.lee@example.org", "+1 415 555 0134", "4111 1111 1111 1111", "DE89 3704 0044 0532 0130 00",
    "192.168.10.24",       "123-45-6789",     "(212) 555-0100",      "bob@mail.example.com",
};

// About `bytes` of prose with one PII value every ~2 KB (at least two).
std::string prose(std::size_t bytes) {
  std::string text;
  std::size_t paragraph = 0, value = 0, next_value = 300;
  while (text.size() < bytes) {
    text += kParagraphs[paragraph++ % std::size(kParagraphs)];
    if (text.size() >= next_value) {
      text += "Contact: ";
      text += kValues[value++ % std::size(kValues)];
      text += ". ";
      next_value += bytes < 4096 ? bytes / 2 : 2048;
    }
  }
  return text;
}

// Records that are mostly PII: a CRM export pasted into a prompt.
std::string dense(std::size_t bytes) {
  std::string text;
  for (int i = 0; text.size() < bytes; ++i) {
    text += "Customer " + std::to_string(i) + ": email user" + std::to_string(i) +
            "@example.com, phone +44 20 7946 " + std::to_string(1000 + i % 9000) +
            ", card 4111 1111 1111 1111, last login from 10.0." + std::to_string(i % 250) + ".7\n";
  }
  return text;
}

const PiiDetector& allBuiltIns() {
  static const PiiDetector detector{switchyard::config::PiiPolicy{}};
  return detector;
}

void inspect(benchmark::State& state, const std::string& text) {
  for (auto _ : state) {
    PiiRedactor redactor(allBuiltIns());
    benchmark::DoNotOptimize(redactor.inspect(text));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

void redact(benchmark::State& state, const std::string& text) {
  for (auto _ : state) {
    std::string copy = text;  // redact() rewrites its argument; the copy is part of any real use
    PiiRedactor redactor(allBuiltIns());
    benchmark::DoNotOptimize(redactor.redact(copy));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

void BM_InspectProse(benchmark::State& state) {
  std::string text = prose(static_cast<std::size_t>(state.range(0)));
  inspect(state, text);
}
void BM_RedactProse(benchmark::State& state) {
  std::string text = prose(static_cast<std::size_t>(state.range(0)));
  redact(state, text);
}
void BM_InspectDense(benchmark::State& state) {
  std::string text = dense(static_cast<std::size_t>(state.range(0)));
  inspect(state, text);
}
void BM_RedactDense(benchmark::State& state) {
  std::string text = dense(static_cast<std::size_t>(state.range(0)));
  redact(state, text);
}
// One custom pattern on top of the built-ins: each is a pass of its own over the text.
void BM_InspectProseWithCustomPattern(benchmark::State& state) {
  switchyard::config::PiiPolicy policy;
  policy.patterns.push_back({"employee_id", R"(\bEMP-\d{6}\b)"});
  PiiDetector detector(policy);
  std::string text = prose(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    PiiRedactor redactor(detector);
    benchmark::DoNotOptimize(redactor.inspect(text));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_InspectProse)->Arg(1 << 10)->Arg(16 << 10)->Arg(256 << 10);
BENCHMARK(BM_InspectProseWithCustomPattern)->Arg(16 << 10);
BENCHMARK(BM_RedactProse)->Arg(1 << 10)->Arg(16 << 10)->Arg(256 << 10);
BENCHMARK(BM_InspectDense)->Arg(16 << 10);
BENCHMARK(BM_RedactDense)->Arg(16 << 10);

// Restoring the answer: a 16 KB answer quoting a dozen placeholders.
void BM_RestoreAnswer(benchmark::State& state) {
  std::string prompt = dense(2 << 10);
  PiiRedactor redactor(allBuiltIns());
  redactor.redact(prompt);
  PiiRestorer restorer(redactor.mapping());
  std::string answer = prose(16 << 10);
  for (std::size_t at = 512; at < answer.size() && at / 512 <= redactor.mapping().size();
       at += 1024)
    answer.insert(at, " " + redactor.mapping()[at / 1024].first + " ");
  for (auto _ : state) {
    std::string copy = answer;
    restorer.restore(copy);
    benchmark::DoNotOptimize(copy.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * answer.size()));
}
BENCHMARK(BM_RestoreAnswer);

// A hostile prompt: 256 KB of '@', digits, dots and dashes (no timing claim; shown for scale).
void BM_InspectHostile(benchmark::State& state) {
  std::string text;
  for (std::size_t i = 0; text.size() < (256u << 10); ++i) text += "@1.2-3 4"[i % 8];
  inspect(state, text);
}
BENCHMARK(BM_InspectHostile);

}  // namespace

BENCHMARK_MAIN();
