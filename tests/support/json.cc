#include "tests/support/json.h"

#include <simdjson.h>

namespace optin::testing {

struct JsonDoc::Impl {
  std::string text;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string error;  // empty when the text parsed

  // The element at `pointer`, or an error text.
  simdjson::simdjson_result<simdjson::dom::element> Find(std::string_view pointer) const {
    return root.at_pointer(pointer);
  }
};

JsonDoc::JsonDoc(std::string text) : impl_(std::make_unique<Impl>()) {
  impl_->text = std::move(text);
  if (auto e = impl_->parser.parse(impl_->text).get(impl_->root); e) {
    impl_->error = "<not JSON: " + std::string(simdjson::error_message(e)) + ">";
  }
}

JsonDoc::~JsonDoc() = default;
JsonDoc::JsonDoc(JsonDoc&&) noexcept = default;
JsonDoc& JsonDoc::operator=(JsonDoc&&) noexcept = default;

bool JsonDoc::ok() const { return impl_->error.empty(); }

std::string JsonDoc::At(std::string_view pointer) const {
  if (!ok()) return impl_->error;
  simdjson::dom::element v;
  if (impl_->Find(pointer).get(v)) return "<missing>";
  return simdjson::minify(v);
}

std::string JsonDoc::Str(std::string_view pointer) const {
  if (!ok()) return impl_->error;
  simdjson::dom::element v;
  if (impl_->Find(pointer).get(v)) return "<missing>";
  std::string_view s;
  if (v.get(s)) return "<not a string>";
  return std::string(s);
}

int64_t JsonDoc::Size(std::string_view pointer) const {
  simdjson::dom::element v;
  if (!ok() || impl_->Find(pointer).get(v)) return -1;
  simdjson::dom::array a;
  simdjson::dom::object o;
  if (!v.get(a)) return static_cast<int64_t>(a.size());
  if (!v.get(o)) return static_cast<int64_t>(o.size());
  return -1;
}

bool JsonDoc::Has(std::string_view pointer) const {
  simdjson::dom::element v;
  return ok() && !impl_->Find(pointer).get(v);
}

}  // namespace optin::testing
