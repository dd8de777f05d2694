#include "proxy/broken_stream.h"

#include <algorithm>

#include "base/spare_strings.h"

#include "surfaces/anthropic/messages.h"
#include "surfaces/openai/translate.h"

namespace switchyard::proxy {

namespace {

// Feeds decoded events to the record and keeps the client's encoder in step, its output thrown
// away: the client already has those bytes.
class RecordSink final : public canonical::EventSink {
 public:
  RecordSink(canonical::PartialAnswer& partial, canonical::StreamEncoder& encoder)
      : partial_(partial), encoder_(encoder) {}
  void onEvent(const canonical::StreamEvent& event) override {
    partial_.onEvent(event);
    encoder_.encode(event, scratch_);
    scratch_.clear();
  }

 private:
  canonical::PartialAnswer& partial_;
  canonical::StreamEncoder& encoder_;
  std::string scratch_;
};

}  // namespace

std::unique_ptr<canonical::StreamEncoder> makeClientEncoder(canonical::Dialect surface, bool include_usage) {
  if (surface == canonical::Dialect::Anthropic) return surfaces::anthropic::makeStreamEncoder();
  return surfaces::openai::makeStreamEncoder(include_usage);
}

bool BrokenStream::recordRelayed(std::string_view events, const providers::TargetCodec& codec,
                                 canonical::Dialect surface, std::size_t max_resume_bytes) {
  if (too_long) return false;
  if (!decoder_) {
    decoder_ = codec.streamDecoder();
    max_resume_bytes_ = max_resume_bytes;
  }
  // A stream whose events come in large pieces is a fast one: room for a few of them at once, not
  // a reallocation (and a copy of everything recorded so far) at every doubling. A slow stream's
  // events come one by one and grow the record only as far as they go.
  if (undecoded_.empty() && events.size() >= kFastStreamPiece) {
    undecoded_.reserve(std::min(std::max(max_resume_bytes_, kMinDecodeBatch), kFastStreamReserve));
  } else if (undecoded_.empty() && undecoded_.capacity() <= std::string().capacity()) {
    undecoded_ = base::takeSpareString();  // a short stream's record: what an earlier one left
  }
  undecoded_.append(events);
  // While the relayed bytes fit in max_resume_bytes, so does the answer's text (it is part of
  // them): nothing needs decoding unless the stream breaks. Past that, decoding shows the text's size.
  if (undecoded_.size() > std::max(max_resume_bytes_, kMinDecodeBatch)) settle(surface);
  return !too_long;
}

BrokenStream::~BrokenStream() { base::keepSpareString(undecoded_); }

void BrokenStream::settle(canonical::Dialect surface) {
  // Whether the final usage is reported is the continuation's to set (setIncludeUsage): it does not
  // change what the encoder keeps.
  if (!encoder) encoder = makeClientEncoder(surface, false);
  if (!partial) partial = std::make_unique<canonical::PartialAnswer>();
  if (decoder_ && !undecoded_.empty()) {
    RecordSink sink(*partial, *encoder);
    undecoded_.erase(0, decoder_->decode(undecoded_, sink));
    // A slow stream spends minutes between batches: it holds no buffer meanwhile.
    if (undecoded_.empty()) base::keepSpareString(undecoded_);
  }
  if (max_resume_bytes_ > 0 && partial->text().size() > max_resume_bytes_) {
    too_long = true;
    decoder_.reset();
    std::string().swap(undecoded_);
    partial.reset();
    encoder.reset();
  }
}

}  // namespace switchyard::proxy
