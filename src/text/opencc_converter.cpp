#include "lmforge/text/opencc_converter.h"

#include <opencc/SimpleConverter.hpp>

#include "lmforge/common/error.h"

namespace lmforge::text {

struct OpenccConverter::Impl {
  std::unique_ptr<opencc::SimpleConverter> converter;
};

OpenccConverter::OpenccConverter(const std::string& config) : impl_(std::make_unique<Impl>()) {
  try {
    // OpenCC looks a bare name up in its data directory (Debian: /usr/share/opencc/).
    impl_->converter = std::make_unique<opencc::SimpleConverter>(config);
  } catch (const std::exception& e) {
    runtime_error("cannot load OpenCC config '{}': {} (configs: t2s.json, tw2s.json, tw2sp.json, hk2s.json "
                  "in /usr/share/opencc; install libopencc-data)",
                  config, e.what());
  }
}

OpenccConverter::~OpenccConverter() = default;

std::string OpenccConverter::convert(std::string_view text) const {
  return impl_->converter->Convert(text.data(), text.size());
}

void OpenccConverter::convert(std::string_view text, std::string& out) const {
  out = impl_->converter->Convert(text.data(), text.size());
}

}  // namespace lmforge::text
