#include "store/audit_page.h"

#include <array>
#include <cstring>
#include <stdexcept>

#include <zstd.h>

namespace switchyard::store {
namespace {

// zstd's fastest level: on pages of audit records it already compresses 20 to 100 times, at
// several GB/s; higher levels buy little on text this repetitive.
constexpr int kCompressionLevel = 1;
// A page that would decompress to more than this is refused as corrupt rather than allocated.
constexpr unsigned long long kMaxPlainBytes = 256ULL << 20;

struct Head {
  std::int64_t time_ms;
  std::int64_t cost_nano_usd;
  std::int64_t tokens;
  std::int32_t status;
  std::array<std::uint32_t, 5> lengths;  // request_id, key_id, route, outcome, json
};
static_assert(sizeof(Head) == 48);

template <typename T>
void appendRaw(std::string& out, const T& value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

[[noreturn]] void corrupt(const char* why) { throw std::runtime_error(std::string("corrupt audit page: ") + why); }

}  // namespace

AuditPageCodec::AuditPageCodec() : compressor_(ZSTD_createCCtx()), decompressor_(ZSTD_createDCtx()) {
  if (!compressor_ || !decompressor_) {
    ZSTD_freeCCtx(compressor_);
    ZSTD_freeDCtx(decompressor_);
    throw std::bad_alloc();
  }
}

AuditPageCodec::~AuditPageCodec() {
  ZSTD_freeCCtx(compressor_);
  ZSTD_freeDCtx(decompressor_);
}

std::string_view AuditPageCodec::encode(std::span<const AuditRecordView> records) {
  framed_.clear();
  appendRaw(framed_, kAuditPageFormat);
  for (const AuditRecordView& record : records) {
    const Head head{.time_ms = record.time_ms,
                    .cost_nano_usd = record.cost_nano_usd,
                    .tokens = record.tokens,
                    .status = record.status,
                    .lengths = {static_cast<std::uint32_t>(record.request_id.size()),
                                static_cast<std::uint32_t>(record.key_id.size()),
                                static_cast<std::uint32_t>(record.route.size()),
                                static_cast<std::uint32_t>(record.outcome.size()),
                                static_cast<std::uint32_t>(record.json.size())}};
    appendRaw(framed_, head);
    for (const std::string_view text : {record.request_id, record.key_id, record.route, record.outcome, record.json}) {
      framed_.append(text);
    }
  }
  compressed_.resize(ZSTD_compressBound(framed_.size()));
  const std::size_t size =
      ZSTD_compressCCtx(compressor_, compressed_.data(), compressed_.size(), framed_.data(), framed_.size(), kCompressionLevel);
  if (ZSTD_isError(size)) throw std::runtime_error(std::string("compressing audit records: ") + ZSTD_getErrorName(size));
  return {compressed_.data(), size};
}

std::span<const AuditRecordView> AuditPageCodec::decode(std::string_view page) {
  const unsigned long long plain_size = ZSTD_getFrameContentSize(page.data(), page.size());
  if (plain_size == ZSTD_CONTENTSIZE_ERROR || plain_size == ZSTD_CONTENTSIZE_UNKNOWN) corrupt("not a zstd frame");
  if (plain_size > kMaxPlainBytes) corrupt("too large");
  plain_.resize(static_cast<std::size_t>(plain_size));
  const std::size_t size = ZSTD_decompressDCtx(decompressor_, plain_.data(), plain_.size(), page.data(), page.size());
  if (ZSTD_isError(size) || size != plain_.size()) corrupt("does not decompress");

  records_.clear();
  std::uint32_t format = 0;
  if (plain_.size() < sizeof format) corrupt("no format");
  std::memcpy(&format, plain_.data(), sizeof format);
  if (format != kAuditPageFormat) corrupt("unknown format (written by a newer build?)");
  std::size_t at = sizeof format;
  while (at < plain_.size()) {
    Head head{};
    if (plain_.size() - at < sizeof head) corrupt("truncated record head");
    std::memcpy(&head, plain_.data() + at, sizeof head);
    at += sizeof head;
    std::array<std::string_view, 5> texts;
    for (std::size_t i = 0; i < texts.size(); ++i) {
      if (plain_.size() - at < head.lengths[i]) corrupt("truncated record");
      texts[i] = std::string_view(plain_.data() + at, head.lengths[i]);
      at += head.lengths[i];
    }
    records_.push_back({.request_id = texts[0],
                        .time_ms = head.time_ms,
                        .start_ns = 0,
                        .key_id = texts[1],
                        .route = texts[2],
                        .outcome = texts[3],
                        .status = head.status,
                        .json = texts[4],
                        .cost_nano_usd = head.cost_nano_usd,
                        .tokens = head.tokens});
  }
  return records_;
}

}  // namespace switchyard::store
