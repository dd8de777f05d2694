#pragma once
// A page of audit records: the records of one commit (at most kAuditPageRecords), framed one after
// another and compressed together with zstd into one value, which SqliteStore keeps as one row.
//
// Why pages and not a row per record: a row per record cost the store thread about 3 µs of a core
// per request (a table insert, two index inserts and about 750 bytes written twice, to the WAL and
// at the checkpoint), more than any other single part of a request. Records of one commit share
// most of their text (keys, routes, targets, models), so a page of them compresses 20 to 100 times
// and costs a fraction of a µs per record to frame and compress.
//
// Plain layout (little-endian, the byte order of every platform Switchyard builds for): a u32 format
// (kAuditPageFormat), then per record a 48-byte head (i64 time_ms, i64 cost_nano_usd, i64 tokens,
// i32 status, u32 lengths of request_id, key_id, route, outcome and json) and those five strings.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace switchyard::store {

inline constexpr std::size_t kAuditPageRecords = 1024;  // records per page at most
inline constexpr std::uint32_t kAuditPageFormat = 1;

// Encodes and decodes pages; keeps its zstd contexts and buffers between calls. One thread.
class AuditPageCodec {
 public:
  AuditPageCodec();
  ~AuditPageCodec();
  AuditPageCodec(const AuditPageCodec&) = delete;
  AuditPageCodec& operator=(const AuditPageCodec&) = delete;

  // The compressed page of `records` (start_ns is not kept), valid until the next encode().
  // `records` may view what decode() returned: the two use separate buffers.
  std::string_view encode(std::span<const AuditRecordView> records);
  // The records of a page, as views valid until the next decode(); start_ns is 0. Throws
  // std::runtime_error when `page` is not a page this build can read.
  std::span<const AuditRecordView> decode(std::string_view page);

 private:
  ZSTD_CCtx_s* compressor_;
  ZSTD_DCtx_s* decompressor_;
  std::string framed_;      // encode's records before compression
  std::string compressed_;  // encode's result
  std::string plain_;       // decode's records after decompression: what its views point at
  std::vector<AuditRecordView> records_;
};

}  // namespace switchyard::store
