// libFuzzer target for the Kubernetes protobuf decoder. Whatever the bytes, the decoder returns
// a JSON object with apiVersion and kind, or an error starting "protobuf: "; it never throws,
// crashes or hangs, and what it returns can be dumped (so every string in it is UTF-8).

#include "engine/kube/api/ProtobufCodec.h"

#include <cstdint>
#include <cstdlib>

using namespace flowlab;
using namespace flowlab::kube;

namespace {

void require(bool condition)
{
    if (!condition)
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string_view body(reinterpret_cast<const char *>(data), size);
    const Result<Json> decoded = decodeKubernetesProtobuf(body);
    if (!decoded) {
        require(decoded.error().message().starts_with("protobuf: "));
        return 0;
    }
    require(decoded->is_object());
    require(decoded->at("apiVersion").is_string() && decoded->at("kind").is_string());
    // nlohmann's dump throws on invalid UTF-8; uncaught, that aborts and the fuzzer reports it.
    require(!decoded->dump().empty());
    return 0;
}
