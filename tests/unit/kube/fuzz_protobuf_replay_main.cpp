// Replays inputs through the protobuf fuzz target without libFuzzer, so every compiler runs it
// as a unit test (built with AddressSanitizer and UBSan): the captured kubectl bodies whole and
// cut at every length, then seeded mutations of them (byte flips, cuts, splices of one body
// into another, varints made huge). A crash is the failure, and the same arguments reproduce it.
//
//   tst_kube_protobuf_fuzz_replay FIXTURE_DIR [ITERATIONS] [SEED]

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size);

namespace {

std::size_t g_inputs = 0;

// An exact-size heap copy, so AddressSanitizer sees one byte past the end as an overflow.
void feed(const std::string &input)
{
    auto buffer = std::make_unique<std::uint8_t[]>(input.size());
    std::copy(input.begin(), input.end(), buffer.get());
    LLVMFuzzerTestOneInput(buffer.get(), input.size());
    ++g_inputs;
}

// The .pb files, in name order, so that a seed number means the same run everywhere.
std::vector<std::string> readBodies(const std::filesystem::path &dir)
{
    std::vector<std::filesystem::path> paths;
    for (const auto &entry : std::filesystem::directory_iterator(dir))
        if (entry.is_regular_file() && entry.path().extension() == ".pb")
            paths.push_back(entry.path());
    std::sort(paths.begin(), paths.end());
    std::vector<std::string> bodies;
    for (const auto &path : paths) {
        std::ifstream in(path, std::ios::binary);
        bodies.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return bodies;
}

std::size_t pick(std::mt19937 &random, std::size_t n)
{
    return n == 0 ? 0 : random() % n;
}

void mutate(std::string &body, const std::vector<std::string> &bodies, std::mt19937 &random)
{
    const int edits = 1 + int(pick(random, 4));
    for (int e = 0; e < edits; ++e) {
        const std::size_t at = pick(random, body.size() + 1);
        switch (pick(random, 6)) {
        case 0: // a random byte
            if (at < body.size())
                body[at] = char(random());
            break;
        case 1: // one bit
            if (at < body.size())
                body[at] = char(body[at] ^ (1 << pick(random, 8)));
            break;
        case 2: // a cut
            body.erase(std::min(at, body.size()), 1 + pick(random, 16));
            break;
        case 3: { // a splice of another body, past its magic
            const std::string &donor = bodies[pick(random, bodies.size())];
            const std::size_t from = 4 + pick(random, donor.size() - 4);
            body.insert(std::min(at, body.size()), donor.substr(from, 1 + pick(random, 64)));
            break;
        }
        case 4: // a continuation byte, so a varint grows long or a length grows huge
            body.insert(std::min(at, body.size()), 1, char(0x80 | random()));
            break;
        default: // a length-delimited field with a wild length
            body.insert(std::min(at, body.size()),
                        std::string{char(0x12), char(0xff), char(0xff), char(0xff), char(0x0f)});
        }
    }
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s FIXTURE_DIR [ITERATIONS] [SEED]\n", argv[0]);
        return 2;
    }
    const long iterations = argc > 2 ? std::atol(argv[2]) : 30'000;
    const unsigned seed = argc > 3 ? unsigned(std::atol(argv[3])) : 20260102u;

    const std::vector<std::string> bodies = readBodies(argv[1]);
    if (bodies.empty()) {
        std::fprintf(stderr, "no .pb bodies in %s\n", argv[1]);
        return 1;
    }
    for (const std::string &body : bodies)
        for (std::size_t length = 0; length <= body.size(); ++length)
            feed(body.substr(0, length));

    std::mt19937 random(seed);
    for (long i = 0; i < iterations; ++i) {
        std::string body = bodies[pick(random, bodies.size())];
        mutate(body, bodies, random);
        feed(body);
    }
    std::printf("replayed %zu inputs (%zu bodies, seed %u)\n", g_inputs, bodies.size(), seed);
    return 0;
}
