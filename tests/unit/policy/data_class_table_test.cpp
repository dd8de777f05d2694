#include "policy/data_class_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace switchyard::policy {
namespace {

using ::testing::IsEmpty;

config::EnvLookup noEnv() {
  return [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
}

// Four providers against three classes: one by compliance, one by a label with two accepted
// values, one needing both; `open` asks for nothing.
constexpr const char* kConfig = R"(
providers:
  us:     {kind: openai, base_url: http://127.0.0.1:9001/v1, labels: {region: us-east-1}, compliance: [hipaa_baa]}
  eu:     {kind: openai, base_url: http://127.0.0.1:9002/v1, labels: {region: eu-west-1}, compliance: [gdpr]}
  eu_baa: {kind: openai, base_url: http://127.0.0.1:9003/v1, labels: {region: eu-central-1}, compliance: [gdpr, hipaa_baa]}
  bare:   {kind: openai, base_url: http://127.0.0.1:9004/v1}
data_classes:
  phi:    {requires: [hipaa_baa]}
  eu:     {labels: {region: [eu-west-1, eu-central-1]}}
  eu_phi: {requires: [hipaa_baa, gdpr], labels: {region: eu-central-1}}
  open: {}
routes:
  chat: {targets: [us/m, eu/m, eu_baa/m, bare/m]}
)";

enum Provider : std::size_t { kUs, kEu, kEuBaa, kBare };
constexpr ClassMask kPhi = 1, kEuClass = 2, kEuPhi = 4, kOpen = 8;

class DataClassTableTest : public ::testing::Test {
 protected:
  config::Config config_ = config::loadString(kConfig, "test.yaml", noEnv());
  DataClassTable table_{config_};
};

TEST_F(DataClassTableTest, IndexFollowsDeclarationOrder) {
  EXPECT_EQ(table_.size(), 4u);
  EXPECT_EQ(table_.index("phi"), 0u);
  EXPECT_EQ(table_.index("eu"), 1u);
  EXPECT_EQ(table_.index("open"), 3u);
  EXPECT_EQ(table_.index("PHI"), std::nullopt);  // config names are exact; only the header folds case
  EXPECT_EQ(table_.index("nope"), std::nullopt);
}

TEST_F(DataClassTableTest, MaskOfSetsOneBitPerNamedClass) {
  const std::vector<std::string> names{"eu", "phi"};
  EXPECT_EQ(table_.maskOf(names), kPhi | kEuClass);
  EXPECT_EQ(table_.maskOf({}), 0u);
}

TEST_F(DataClassTableTest, RequiresNeedsEveryComplianceEntry) {
  EXPECT_EQ(table_.providerSatisfies(kUs) & kPhi, kPhi);
  EXPECT_EQ(table_.providerSatisfies(kEu) & kPhi, 0u);
  EXPECT_EQ(table_.whyNot(kEu, 0), "lacks compliance hipaa_baa");
  EXPECT_EQ(table_.whyNot(kUs, 0), "");
}

TEST_F(DataClassTableTest, LabelsAcceptAnyListedValue) {
  EXPECT_EQ(table_.providerSatisfies(kEu) & kEuClass, kEuClass);
  EXPECT_EQ(table_.providerSatisfies(kEuBaa) & kEuClass, kEuClass);
  EXPECT_EQ(table_.providerSatisfies(kUs) & kEuClass, 0u);
  EXPECT_EQ(table_.whyNot(kUs, 1), "label region=us-east-1 not in [eu-west-1, eu-central-1]");
  EXPECT_EQ(table_.whyNot(kBare, 1), "lacks label region (one of [eu-west-1, eu-central-1])");
}

TEST_F(DataClassTableTest, RequiresAndLabelsMustBothHold) {
  EXPECT_EQ(table_.providerSatisfies(kEuBaa), kPhi | kEuClass | kEuPhi | kOpen);
  EXPECT_EQ(table_.providerSatisfies(kUs) & kEuPhi, 0u);
  EXPECT_EQ(table_.providerSatisfies(kEu) & kEuPhi, 0u);
  EXPECT_EQ(table_.whyNot(kUs, 2), "lacks compliance gdpr; label region=us-east-1 not in [eu-central-1]");
  EXPECT_EQ(table_.whyNot(kBare, 2), "lacks compliance hipaa_baa, gdpr; lacks label region (one of [eu-central-1])");
}

TEST_F(DataClassTableTest, ClassAskingNothingIsSatisfiedByEveryProvider) {
  for (std::size_t provider : {kUs, kEu, kEuBaa, kBare}) {
    EXPECT_EQ(table_.providerSatisfies(provider) & kOpen, kOpen) << provider;
  }
  EXPECT_EQ(table_.providerSatisfies(kBare), kOpen);
}

TEST_F(DataClassTableTest, OutOfRangeIndexesSatisfyNothingAndExplainNothing) {
  EXPECT_EQ(table_.providerSatisfies(99), 0u);
  EXPECT_EQ(table_.whyNot(99, 0), "");
  EXPECT_EQ(table_.whyNot(kUs, 99), "");
}

TEST(DataClassTableAllows, EveryRequiredBitMustBeSatisfied) {
  EXPECT_TRUE(DataClassTable::allows(0, 0));
  EXPECT_TRUE(DataClassTable::allows(kPhi | kEuClass, kPhi));
  EXPECT_TRUE(DataClassTable::allows(kPhi | kEuClass, kPhi | kEuClass));
  EXPECT_FALSE(DataClassTable::allows(kPhi, kPhi | kEuClass));
  EXPECT_FALSE(DataClassTable::allows(0, kOpen));
  EXPECT_TRUE(DataClassTable::allows(~ClassMask{0}, ClassMask{1} << 63));
}

TEST_F(DataClassTableTest, NamesListsClassesInDeclarationOrder) {
  EXPECT_EQ(table_.names(kEuClass | kPhi), "phi, eu");
  EXPECT_EQ(table_.names(kOpen), "open");
  EXPECT_EQ(table_.names(0), "");
}

TEST_F(DataClassTableTest, HeaderIgnoresCaseSpacesAndEmptyItems) {
  const auto parsed = table_.parseHeader(" PHI , ,Eu,,\teu_phi ,");
  EXPECT_EQ(parsed.error, "");
  EXPECT_EQ(parsed.mask, kPhi | kEuClass | kEuPhi);
  EXPECT_EQ(table_.parseHeader("phi,phi").mask, kPhi);
  const auto empty = table_.parseHeader(" , ");
  EXPECT_EQ(empty.mask, 0u);
  EXPECT_EQ(empty.error, "");
  EXPECT_EQ(table_.parseHeader("").mask, 0u);
}

TEST_F(DataClassTableTest, HeaderWithAnUnknownNameIsAnErrorListingTheDeclaredClasses) {
  const auto parsed = table_.parseHeader("phi, hipaa");
  EXPECT_EQ(parsed.mask, 0u);  // never served as if fewer classes had been asked for
  EXPECT_EQ(parsed.error,
            "unknown data class 'hipaa' in x-switchyard-data-class (declared: phi, eu, eu_phi, open)");
  // A prefix or a name with an inner space is not a class.
  EXPECT_NE(table_.parseHeader("ph").error, "");
  EXPECT_NE(table_.parseHeader("eu phi").error, "");
}

TEST_F(DataClassTableTest, HeaderErrorCutsALongNameShort) {
  const std::string long_name(500, 'x');
  const auto parsed = table_.parseHeader(long_name);
  EXPECT_LT(parsed.error.size(), 200u);
  EXPECT_THAT(parsed.error, ::testing::HasSubstr("'" + std::string(64, 'x') + "...'"));
}

TEST(DataClassTableEmpty, ConfigWithoutClassesRefusesEveryHeaderName) {
  const config::Config config = config::loadString(
      "providers: {p: {kind: openai, base_url: http://127.0.0.1:9/v1}}\nroutes: {r: {targets: [p/m]}}\n",
      "test.yaml", noEnv());
  const DataClassTable table(config);
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.providerSatisfies(0), 0u);
  EXPECT_EQ(table.parseHeader("phi").error,
            "unknown data class 'phi' in x-switchyard-data-class (no data classes are declared)");
  EXPECT_THAT(table.parseHeader(" ").error, IsEmpty());
}

TEST(DataClassTableWide, SixtyFourClassesUseEveryBit) {
  std::string yaml =
      "providers: {p: {kind: openai, base_url: http://127.0.0.1:9/v1, compliance: [c63]}}\n"
      "routes: {r: {targets: [p/m]}}\n"
      "data_classes:\n";
  for (int i = 0; i < 64; ++i) yaml += "  c" + std::to_string(i) + ": {requires: [c" + std::to_string(i) + "]}\n";
  const config::Config config = config::loadString(yaml, "test.yaml", noEnv());
  const DataClassTable table(config);
  EXPECT_EQ(table.size(), 64u);
  EXPECT_EQ(table.index("c63"), 63u);
  EXPECT_EQ(table.providerSatisfies(0), ClassMask{1} << 63);
  EXPECT_EQ(table.parseHeader("C63").mask, ClassMask{1} << 63);
  EXPECT_EQ(table.names(ClassMask{1} << 63 | 1), "c0, c63");
}

}  // namespace
}  // namespace switchyard::policy
