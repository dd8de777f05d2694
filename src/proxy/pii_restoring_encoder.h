#pragma once
// A client stream encoder that puts redacted values back (route or key `pii: {action: redact}`):
// the provider saw only placeholders such as [EMAIL_1]; the client sees its own values. A
// placeholder split across deltas is held back until it is whole (policy::PiiStreamRestorer).
#include <map>
#include <memory>

#include "canonical/stream_codec.h"
#include "policy/pii_restorer.h"

namespace switchyard::proxy {

class PiiRestoringEncoder final : public canonical::StreamEncoder {
 public:
  PiiRestoringEncoder(std::unique_ptr<canonical::StreamEncoder> inner, const policy::PiiRestorer& restorer);

  void encode(const canonical::StreamEvent& event, std::string& out) override;
  void finish(std::string& out) override;
  void fail(const canonical::Error& error, std::string& out) override;
  void setIncludeUsage(bool include) override { inner_->setIncludeUsage(include); }

 private:
  // Writes what the restorers still hold (text, then each tool call's arguments) before an event
  // that ends them.
  void releaseText(std::string& out);
  void releaseTools(std::string& out);

  std::unique_ptr<canonical::StreamEncoder> inner_;
  const policy::PiiRestorer& restorer_;
  policy::PiiStreamRestorer text_;
  std::map<int, policy::PiiStreamRestorer> tools_;
};

}  // namespace switchyard::proxy
