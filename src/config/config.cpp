#include "config/config.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace switchyard::config {

const Provider* Config::findProvider(std::string_view name) const {
  for (const Provider& provider : providers) {
    if (provider.name == name) return &provider;
  }
  return nullptr;
}

const Route* Config::findRoute(std::string_view name) const {
  for (const Route& route : routes) {
    if (route.name == name) return &route;
  }
  return nullptr;
}

const DataClass* Config::findDataClass(std::string_view name) const {
  for (const DataClass& data_class : data_classes) {
    if (data_class.name == name) return &data_class;
  }
  return nullptr;
}

bool Config::listensOnLoopback() const {
  // 127.0.0.0/8 and ::1 (config/address.cpp writes hosts as literals without brackets).
  return listen_host.starts_with("127.") || listen_host == "::1" || listen_host == "localhost";
}

bool Config::anonymousAllowed() const { return auth.anonymous.value_or(listensOnLoopback()); }

EnvLookup processEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

Config loadFile(const std::string& path, const EnvLookup& env) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    throw ConfigError(path + ": cannot read the config file (it is a directory)");
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    throw ConfigError(path + ": cannot read the config file (" + std::strerror(errno) + ")");
  }
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) {
    throw ConfigError(path + ": cannot read the config file (" + std::strerror(errno) + ")");
  }
  return loadString(text.str(), path, env);
}

}  // namespace switchyard::config
