// Replays inputs through the lesson fuzz target without libFuzzer, so every compiler runs it as a
// unit test (built with AddressSanitizer and UBSan): the real lessons and the corpus (the unit
// test's bad lessons, and each input that once broke the loader) whole and cut short, then the
// fuzz target's own structure-aware mutations (LessonMutations.h) of them, seeded. A crash is the
// failure, and the same arguments reproduce it.
//
//   tst_lesson_fuzz_replay LESSON_DIR CORPUS_DIR [ITERATIONS] [SEED]

#include "LessonMutations.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size);

namespace {

using namespace flowlab::lesson_fuzz;

std::size_t g_inputs = 0;

// An exact-size heap copy, so AddressSanitizer sees one byte past the end as an overflow.
void feed(const std::string &input)
{
    auto buffer = std::make_unique<std::uint8_t[]>(input.size());
    std::copy(input.begin(), input.end(), buffer.get());
    LLVMFuzzerTestOneInput(buffer.get(), input.size());
    ++g_inputs;
}

// In name order, so that a seed number means the same run everywhere.
std::vector<std::string> readFiles(const std::filesystem::path &dir, const char *extension)
{
    std::vector<std::filesystem::path> paths;
    for (const auto &entry : std::filesystem::directory_iterator(dir))
        if (entry.is_regular_file() && (!extension || entry.path().extension() == extension))
            paths.push_back(entry.path());
    std::sort(paths.begin(), paths.end());
    std::vector<std::string> files;
    for (const auto &path : paths) {
        std::ifstream in(path, std::ios::binary);
        files.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return files;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s LESSON_DIR CORPUS_DIR [ITERATIONS] [SEED]\n", argv[0]);
        return 2;
    }
    const long iterations = argc > 3 ? std::atol(argv[3]) : 20'000;
    const unsigned seed = argc > 4 ? unsigned(std::atol(argv[4])) : 20240601u;

    std::vector<std::string> inputs = readFiles(argv[1], ".json");
    const std::size_t lessons = inputs.size();
    for (std::string &file : readFiles(argv[2], nullptr))
        inputs.push_back(std::move(file));
    std::vector<json> seeds;
    for (const std::string &input : inputs)
        if (json document = json::parse(input, nullptr, false); !document.is_discarded())
            seeds.push_back(std::move(document));
    if (lessons == 0 || seeds.empty()) {
        std::fprintf(stderr, "no lessons in %s, or no JSON seeds in it and %s\n", argv[1], argv[2]);
        return 1;
    }

    // Whole, then cut short: every prefix of the small ones, a prefix every 61 bytes of the
    // large ones (a prefix is mostly a syntax error, and cheap).
    for (const std::string &input : inputs) {
        const std::size_t step = input.size() < 4096 ? 1 : 61;
        for (std::size_t length = 0; length <= input.size(); length += step)
            feed(input.substr(0, length));
        feed(input);
    }

    std::mt19937 random(seed);
    for (long i = 0; i < iterations; ++i) {
        json document = seeds[pick(random, seeds.size())];
        mutateLesson(document, seeds[pick(random, seeds.size())], random);
        const std::string text = document.dump();
        feed(text);
        if (i % 50 == 0)
            feed(text.substr(0, pick(random, text.size() + 1)));
    }
    std::printf("replayed %zu inputs (%zu lessons, %zu corpus files, seed %u)\n", g_inputs, lessons,
                inputs.size() - lessons, seed);
    return 0;
}
