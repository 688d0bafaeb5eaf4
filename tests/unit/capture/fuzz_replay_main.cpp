// Replays inputs through the fuzz target without libFuzzer, so every compiler runs it as a unit
// test (built with AddressSanitizer and UBSan): each fixture file whole, every prefix of every
// frame as each link type, then seeded random mutations of frames and files. A crash is the
// failure, and the same arguments reproduce it.
//
//   tst_capture_fuzz_replay FIXTURE_DIR [ITERATIONS] [SEED]

#include "tracer/capture/PcapngReader.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size);

namespace {

using Bytes = std::vector<std::uint8_t>;

std::size_t g_inputs = 0;

// An exact-size heap copy, so AddressSanitizer sees one byte past the end as an overflow.
void feed(std::uint8_t selector, const Bytes &input)
{
    const std::size_t size = input.size() + 1;
    auto buffer = std::make_unique<std::uint8_t[]>(size);
    buffer[0] = selector;
    std::copy(input.begin(), input.end(), buffer.get() + 1);
    LLVMFuzzerTestOneInput(buffer.get(), size);
    ++g_inputs;
}

Bytes mutate(Bytes input, const std::vector<Bytes> &others, std::mt19937 &random)
{
    static constexpr std::uint8_t kInteresting[] = {0x00, 0x01, 0x05, 0x0f, 0x3f,
                                                    0x40, 0x7f, 0x80, 0xc0, 0xff};
    auto pick = [&](std::size_t bound) {
        return bound == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, bound - 1)(random);
    };
    const std::size_t operations = 1 + pick(4);
    for (std::size_t i = 0; i < operations; ++i) {
        switch (pick(6)) {
        case 0: // flip a bit
            if (!input.empty())
                input[pick(input.size())] ^= std::uint8_t(1u << pick(8));
            break;
        case 1: // an interesting byte
            if (!input.empty())
                input[pick(input.size())] = kInteresting[pick(std::size(kInteresting))];
            break;
        case 2: // cut short
            input.resize(pick(input.size() + 1));
            break;
        case 3: // insert random bytes
        {
            Bytes noise(1 + pick(8));
            for (auto &b : noise)
                b = std::uint8_t(pick(256));
            input.insert(input.begin() + std::ptrdiff_t(pick(input.size() + 1)), noise.begin(),
                         noise.end());
            break;
        }
        case 4: // splice the tail of another input
        {
            const Bytes &other = others[pick(others.size())];
            const std::size_t from = pick(other.size() + 1);
            input.resize(pick(input.size() + 1));
            input.insert(input.end(), other.begin() + std::ptrdiff_t(from), other.end());
            break;
        }
        default: // a 16-bit length field set to something large or small
            if (input.size() >= 2) {
                const std::size_t at = pick(input.size() - 1);
                const std::uint16_t value = pick(2) ? 0xffff : std::uint16_t(pick(64));
                input[at] = std::uint8_t(value >> 8);
                input[at + 1] = std::uint8_t(value);
            }
            break;
        }
    }
    return input;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s FIXTURE_DIR [ITERATIONS] [SEED]\n", argv[0]);
        return 2;
    }
    const long iterations = argc > 2 ? std::atol(argv[2]) : 100'000;
    const unsigned seed = argc > 3 ? unsigned(std::atol(argv[3])) : 20240601u;

    std::vector<Bytes> files;
    std::vector<Bytes> frames;
    for (const auto &entry : std::filesystem::directory_iterator(argv[1])) {
        if (entry.path().extension() != ".pcapng")
            continue;
        std::ifstream in(entry.path(), std::ios::binary);
        files.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        const auto file = flowlab::readPcapng(files.back());
        if (!file) {
            std::fprintf(stderr, "%s: %s\n", entry.path().c_str(), file.error().message().c_str());
            return 1;
        }
        for (const auto &packet : file->packets)
            frames.push_back(packet.data);
    }
    if (frames.empty()) {
        std::fprintf(stderr, "no fixture frames in %s\n", argv[1]);
        return 1;
    }

    for (const Bytes &file : files)
        feed(4, file);
    for (const Bytes &frame : frames)
        for (std::uint8_t selector = 0; selector < 4; ++selector)
            for (std::size_t length = 0; length <= frame.size(); ++length)
                feed(selector, Bytes(frame.begin(), frame.begin() + std::ptrdiff_t(length)));

    std::mt19937 random(seed);
    for (long i = 0; i < iterations; ++i) {
        const Bytes &frame = frames[random() % frames.size()];
        feed(std::uint8_t(random() % 4), mutate(frame, frames, random));
        if (i % 20 == 0) {
            const Bytes &file = files[random() % files.size()];
            feed(4, mutate(file, files, random));
        }
        if (i % 50 == 0) {
            Bytes noise(random() % 128);
            for (auto &b : noise)
                b = std::uint8_t(random());
            feed(std::uint8_t(random() % 5), noise);
        }
    }
    std::printf("replayed %zu inputs (%zu fixture frames, %zu files, seed %u)\n", g_inputs,
                frames.size(), files.size(), seed);
    return 0;
}
