// Layers, images and pushes, checked against independent tools: sha256sum, gunzip and tar for
// the bytes, and a fake registry for the protocol.

#include "FakeRegistry.h"
#include "ImageTestSupport.h"
#include "engine/images/Digest.h"
#include "engine/images/HostFiles.h"
#include "engine/images/LayerBuilder.h"
#include "engine/images/RegistryClient.h"

#include <QTemporaryDir>
#include <QtTest>
#include <csignal>
#include <fstream>

using namespace flowlab;
using namespace flowlab::test;

namespace {

std::filesystem::path tempPath(const QTemporaryDir &dir)
{
    return dir.path().toStdString();
}

// "file:/etc/x", "dir:/etc/x:0700", "link:/lib->usr/lib": compact rows for conflict tests.
LayerEntry entryFromSpec(const QString &spec, const QString &origin)
{
    LayerEntry entry;
    entry.origin = origin.toStdString();
    const QString kind = spec.section(':', 0, 0);
    QString rest = spec.section(':', 1);
    if (kind == "link") {
        entry.type = LayerEntry::Type::Symlink;
        entry.mode = 0777;
        entry.linkTarget = rest.section("->", 1).toStdString();
        rest = rest.section("->", 0, 0);
    } else if (kind == "dir") {
        entry.type = LayerEntry::Type::Directory;
        entry.mode = rest.contains(':') ? rest.section(':', 1).toUInt(nullptr, 8) : 0755;
        rest = rest.section(':', 0, 0);
    } else {
        entry.type = LayerEntry::Type::File;
        entry.mode = 0644;
        entry.content = rest.contains(':') ? rest.section(':', 1).toStdString() : "x";
        rest = rest.section(':', 0, 0);
    }
    entry.path = rest.toStdString();
    return entry;
}

LayerBuilder smallLayer(const std::filesystem::path &hostFile)
{
    LayerBuilder layer;
    LayerEntry motd;
    motd.path = "/etc/motd";
    motd.mode = 0644;
    motd.content = "hello\n";
    (void)layer.add(motd);
    LayerEntry data;
    data.path = "/srv/data/hello.txt";
    data.mode = 0640;
    data.hostSource = hostFile;
    (void)layer.add(data);
    LayerEntry empty;
    empty.type = LayerEntry::Type::Directory;
    empty.path = "/var/empty";
    empty.mode = 0700;
    (void)layer.add(empty);
    LayerEntry sh;
    sh.type = LayerEntry::Type::Symlink;
    sh.path = "/bin/sh";
    sh.mode = 0777;
    sh.linkTarget = "busybox";
    (void)layer.add(sh);
    return layer;
}

} // namespace

class TestImageLayers : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        // Proxies from the environment must not be used for the lab registry: point them at a
        // closed port so a client that honoured them would fail every push below.
        qputenv("http_proxy", "http://127.0.0.1:9");
        qputenv("HTTP_PROXY", "http://127.0.0.1:9");
        qputenv("no_proxy", "");

        QVERIFY(m_cache.isValid());
        auto image = buildRealRecipe("busybox", tempPath(m_cache));
        QVERIFY2(image.ok(), image.ok() ? "" : image.error().message().c_str());
        m_busybox = std::move(*image);
    }

    void layerDigestsMatchTools()
    {
        QTemporaryDir dir;
        const std::filesystem::path hostFile = tempPath(dir) / "hello.txt";
        std::ofstream(hostFile) << "hello from the host\n";
        const std::filesystem::path blobDir = tempPath(dir) / "blobs";

        auto layer = smallLayer(hostFile).write(blobDir);
        QVERIFY2(layer.ok(), layer.ok() ? "" : layer.error().message().c_str());

        QCOMPARE(layer->blobPath, blobDir / layer->digest.substr(7));
        QCOMPARE(fileDigest(layer->blobPath), layer->digest);
        QCOMPARE(gunzippedDigest(layer->blobPath), layer->diffId);
        QVERIFY(layer->digest != layer->diffId);
        QCOMPARE(std::filesystem::file_size(layer->blobPath), layer->size);
        QCOMPARE(shell("gunzip -c " + quoted(layer->blobPath) + " | wc -c").out.trimmed(),
                 QString::number(layer->tarSize));
        // gunzip -t also rejects trailing garbage, e.g. block padding after the gzip trailer.
        const ShellResult test = shell("gunzip -t " + quoted(layer->blobPath));
        QVERIFY2(test.exitCode == 0 && test.err.isEmpty(), qPrintable(test.err));
        // Only the staged tar's siblings are cleaned up: the blob is the one file left.
        QCOMPARE(std::distance(std::filesystem::directory_iterator(blobDir),
                               std::filesystem::directory_iterator()),
                 1);

        std::ifstream blob(layer->blobPath, std::ios::binary);
        unsigned char header[10] = {};
        blob.read(reinterpret_cast<char *>(header), sizeof header);
        QCOMPARE(int(header[0]), 0x1f);
        QCOMPARE(int(header[1]), 0x8b);
        QCOMPARE(header[4] | header[5] | header[6] | header[7], 0); // gzip MTIME unset

        // Sorted, parents explicit, uid/gid 0 without names (tar would print root/root), mtime 0.
        QCOMPARE(tarListing(layer->blobPath),
                 QStringList({"drwxr-xr-x 0/0 0 1970-01-01 00:00 bin/",
                              "lrwxrwxrwx 0/0 0 1970-01-01 00:00 bin/sh -> busybox",
                              "drwxr-xr-x 0/0 0 1970-01-01 00:00 etc/",
                              "-rw-r--r-- 0/0 6 1970-01-01 00:00 etc/motd",
                              "drwxr-xr-x 0/0 0 1970-01-01 00:00 srv/",
                              "drwxr-xr-x 0/0 0 1970-01-01 00:00 srv/data/",
                              "-rw-r----- 0/0 20 1970-01-01 00:00 srv/data/hello.txt",
                              "drwxr-xr-x 0/0 0 1970-01-01 00:00 var/",
                              "drwx------ 0/0 0 1970-01-01 00:00 var/empty/"}));
        QCOMPARE(shell("tar -xzOf " + quoted(layer->blobPath) + " srv/data/hello.txt").out,
                 QString("hello from the host\n"));
    }

    void layerIsReproducible()
    {
        QTemporaryDir dir;
        const std::filesystem::path hostFile = tempPath(dir) / "hello.txt";
        std::ofstream(hostFile) << "same bytes\n";
        auto first = smallLayer(hostFile).write(tempPath(dir) / "a");
        auto second = smallLayer(hostFile).write(tempPath(dir) / "b");
        QVERIFY(first.ok() && second.ok());
        QCOMPARE(second->digest, first->digest);
        QCOMPARE(second->diffId, first->diffId);

        std::ofstream(hostFile) << "other bytes\n";
        auto changed = smallLayer(hostFile).write(tempPath(dir) / "c");
        QVERIFY(changed.ok());
        QVERIFY(changed->digest != first->digest);
    }

    void conflicts_data()
    {
        QTest::addColumn<QString>("first");
        QTest::addColumn<QString>("second");
        QTest::addColumn<QString>("error"); // empty: both entries are accepted

        QTest::newRow("file then directory")
            << "file:/etc/x"
            << "dir:/etc/x"
            << "/etc/x is defined twice: as a file (first) and as a directory (second)";
        QTest::newRow("two different files")
            << "file:/etc/x:one"
            << "file:/etc/x:two"
            << "/etc/x is defined twice: as a file (first) and as a file (second)";
        QTest::newRow("file below a symlink")
            << "link:/lib->usr/lib"
            << "file:/lib/libc.so.6"
            << "/lib/libc.so.6 (second) needs /lib to be a directory, but it is a symlink (first)";
        QTest::newRow("file below a file")
            << "file:/a"
            << "file:/a/b"
            << "/a/b (second) needs /a to be a directory, but it is a file (first)";
        QTest::newRow("file where a parent was implied")
            << "file:/a/b"
            << "file:/a"
            << "/a is defined twice: as a directory (parent of /a/b) and as a file (second)";
        QTest::newRow("same symlink twice (overlapping closures)") << "link:/lib->usr/lib"
                                                                   << "link:/lib->usr/lib"
                                                                   << "";
        QTest::newRow("explicit mode for an implied directory") << "file:/tmp/x"
                                                                << "dir:/tmp:1777"
                                                                << "";
    }

    void conflicts()
    {
        QFETCH(QString, first);
        QFETCH(QString, second);
        QFETCH(QString, error);
        LayerBuilder layer;
        QVERIFY(layer.add(entryFromSpec(first, "first")).ok());
        const Status status = layer.add(entryFromSpec(second, "second"));
        QCOMPARE(QString::fromStdString(status.ok() ? "" : status.error().message()), error);
        if (status.ok() && second.startsWith("dir:")) {
            const LayerEntry &dir = layer.entries().at(entryFromSpec(second, "").path);
            QCOMPARE(dir.mode, entryFromSpec(second, "").mode);
            QVERIFY(!dir.implicit);
        }
    }

    void resolveHostPath_data()
    {
        QTest::addColumn<QString>("path"); // relative to a temp dir laid out below
        QTest::addColumn<QStringList>("links");
        QTest::addColumn<QString>("real");

        QTest::newRow("real file")
            << "usr/lib/libz.so.1.2" << QStringList() << "usr/lib/libz.so.1.2";
        QTest::newRow("relative dir link and file link")
            << "lib/libz.so.1"
            << QStringList({"lib -> usr/lib", "usr/lib/libz.so.1 -> libz.so.1.2"})
            << "usr/lib/libz.so.1.2";
        QTest::newRow("absolute link, then a relative one")
            << "lib64/ld.so"
            << QStringList({"lib64 -> usr/lib64", "usr/lib64/ld.so -> $ROOT/lib/ld-real.so",
                            "lib -> usr/lib"})
            << "usr/lib/ld-real.so";
        QTest::newRow("dot-dot after a link")
            << "up/libz.so.1.2" << QStringList({"up -> usr/lib/sub/.."}) << "usr/lib/libz.so.1.2";
    }

    void resolveHostPath()
    {
        QFETCH(QString, path);
        QFETCH(QStringList, links);
        QFETCH(QString, real);
        QTemporaryDir dir;
        const std::filesystem::path root = std::filesystem::canonical(tempPath(dir));
        std::filesystem::create_directories(root / "usr/lib/sub");
        std::filesystem::create_directories(root / "usr/lib64");
        std::ofstream(root / "usr/lib/libz.so.1.2") << "z";
        std::ofstream(root / "usr/lib/ld-real.so") << "ld";
        std::filesystem::create_symlink("usr/lib", root / "lib");
        std::filesystem::create_symlink("usr/lib64", root / "lib64");
        std::filesystem::create_symlink("libz.so.1.2", root / "usr/lib/libz.so.1");
        std::filesystem::create_symlink(root / "lib/ld-real.so", root / "usr/lib64/ld.so");
        std::filesystem::create_symlink("usr/lib/sub/..", root / "up");

        auto resolved = flowlab::resolveHostPath((root / path.toStdString()).string());
        QVERIFY2(resolved.ok(), resolved.ok() ? "" : resolved.error().message().c_str());
        const QString rootText = QString::fromStdString(root.string());
        QStringList actual;
        for (const HostSymlink &link : resolved->symlinks)
            actual << QString::fromStdString(link.path).mid(rootText.size() + 1) + " -> " +
                          QString::fromStdString(link.target).replace(rootText, "$ROOT");
        QCOMPARE(actual, links);
        QCOMPARE(QString::fromStdString(resolved->realPath), rootText + "/" + real);
    }

    void resolveHostPathRejectsLoops()
    {
        QTemporaryDir dir;
        const std::filesystem::path root = tempPath(dir);
        std::filesystem::create_symlink("b", root / "a");
        std::filesystem::create_symlink("a", root / "b");
        auto resolved = flowlab::resolveHostPath((root / "a").string());
        QVERIFY(!resolved.ok());
        QCOMPARE(resolved.error().message(),
                 "resolving " + (root / "a").string() + ": too many levels of symbolic links");
    }

    // The host's nginx is dynamic and busybox-static is not; the closure follows.
    void libraryClosure()
    {
        auto interpreter = elfInterpreter("/usr/sbin/nginx");
        QVERIFY2(interpreter.ok(), interpreter.ok() ? "" : interpreter.error().message().c_str());
        QCOMPARE(interpreter->value_or(""), std::string("/lib64/ld-linux-x86-64.so.2"));
        auto libraries = sharedLibraryClosure("/usr/sbin/nginx");
        QVERIFY2(libraries.ok(), libraries.ok() ? "" : libraries.error().message().c_str());
        const auto has = [&](const std::string &suffix) {
            return std::any_of(libraries->begin(), libraries->end(),
                               [&](const std::string &path) { return path.ends_with(suffix); });
        };
        QVERIFY(has("/libc.so.6"));
        QVERIFY(has("/libpcre2-8.so.0"));
        QVERIFY(has("/ld-linux-x86-64.so.2"));
        QVERIFY(!has("linux-vdso.so.1"));

        auto busybox = sharedLibraryClosure("/bin/busybox");
        QVERIFY(busybox.ok());
        QVERIFY(busybox->empty());
        auto notElf = sharedLibraryClosure(FLOWLAB_SOURCE_DIR "/resources/images/README.md");
        QVERIFY(!notElf.ok());
        QCOMPARE(notElf.error().message(),
                 std::string(FLOWLAB_SOURCE_DIR "/resources/images/README.md: not an ELF file"));
    }

    void busyboxImageIsValidSchema2()
    {
        const BuiltImage &image = m_busybox;
        QCOMPARE(image.reference(), std::string("library/busybox:latest"));
        QCOMPARE(image.directory, tempPath(m_cache) / "busybox");

        // The manifest on disk is the exact byte string whose digest names the image.
        std::ifstream manifestFile(image.directory / "manifest.json", std::ios::binary);
        const std::string manifestText((std::istreambuf_iterator<char>(manifestFile)), {});
        QCOMPARE(manifestText, image.manifest);
        QCOMPARE(fileDigest(image.directory / "manifest.json"), image.manifestDigest);

        const auto manifest = nlohmann::json::parse(image.manifest);
        QCOMPARE(manifest.at("schemaVersion").get<int>(), 2);
        QCOMPARE(manifest.at("mediaType").get<std::string>(),
                 std::string("application/vnd.docker.distribution.manifest.v2+json"));
        const auto &config = manifest.at("config");
        QCOMPARE(config.at("mediaType").get<std::string>(),
                 std::string("application/vnd.docker.container.image.v1+json"));
        const std::filesystem::path configPath = image.blobPath(config.at("digest"));
        QCOMPARE(config.at("digest").get<std::string>(), image.configDigest);
        QCOMPARE(fileDigest(configPath), image.configDigest);
        QCOMPARE(config.at("size").get<std::uint64_t>(), std::filesystem::file_size(configPath));

        const auto &layers = manifest.at("layers");
        QCOMPARE(layers.size(), std::size_t(2));
        std::ifstream configFile(configPath);
        const auto configJson = nlohmann::json::parse(configFile);
        for (std::size_t i = 0; i < layers.size(); ++i) {
            const std::filesystem::path blob = image.blobPath(layers[i].at("digest"));
            QCOMPARE(layers[i].at("mediaType").get<std::string>(),
                     std::string("application/vnd.docker.image.rootfs.diff.tar.gzip"));
            QCOMPARE(fileDigest(blob), layers[i].at("digest").get<std::string>());
            QCOMPARE(layers[i].at("size").get<std::uint64_t>(), std::filesystem::file_size(blob));
            QCOMPARE(configJson.at("rootfs").at("diff_ids").at(i).get<std::string>(),
                     gunzippedDigest(blob));
            QCOMPARE(configJson.at("history").at(i).at("created_by").get<std::string>(),
                     image.layers[i].comment);
        }
        QCOMPARE(configJson.at("architecture"), "amd64");
        QCOMPARE(configJson.at("os"), "linux");
        QCOMPARE(configJson.at("rootfs").at("type"), "layers");
        QCOMPARE(configJson.at("config").at("Cmd"), nlohmann::json::parse(R"(["sh"])"));
        QCOMPARE(image.layers[0].comment, std::string("busybox and its applet links"));

        // Layer 1 holds the binary and its applet links, owned by root, parents first.
        const QStringList listing = tarListing(image.blobPath(image.layers[0].digest));
        QCOMPARE(listing.value(0), QString("drwxr-xr-x 0/0 0 1970-01-01 00:00 bin/"));
        QVERIFY(listing.contains("lrwxrwxrwx 0/0 0 1970-01-01 00:00 bin/sh -> busybox"));
        QVERIFY(listing.contains("lrwxrwxrwx 0/0 0 1970-01-01 00:00 bin/wget -> busybox"));
        QVERIFY(
            listing.filter(QRegularExpression("^-rwxr-xr-x 0/0 \\d+ 1970-01-01 00:00 bin/busybox$"))
                .size() == 1);

        std::ifstream indexFile(image.directory / "image.json");
        const auto index = nlohmann::json::parse(indexFile);
        QCOMPARE(index.at("manifestDigest").get<std::string>(), image.manifestDigest);
        QCOMPARE(index.at("repository"), "library/busybox");
        QCOMPARE(index.at("tag"), "latest");
    }

    void imageBuildIsReproducibleAndPrunes()
    {
        QTemporaryDir other;
        auto again = buildRealRecipe("busybox", tempPath(other));
        QVERIFY(again.ok());
        QCOMPARE(again->manifestDigest, m_busybox.manifestDigest);
        QCOMPARE(again->manifest, m_busybox.manifest);

        // A rebuild in place drops blobs that the new manifest does not reference.
        const std::filesystem::path blobDir = again->directory / "blobs/sha256";
        std::ofstream(blobDir / std::string(64, 'a')) << "stale";
        std::vector<std::string> progress;
        auto recipe = loadRecipe(FLOWLAB_SOURCE_DIR "/resources/images/busybox/recipe.json");
        QVERIFY(recipe.ok());
        auto rebuilt = buildImage(*recipe, {tempPath(other), {}},
                                  [&](const std::string &line) { progress.push_back(line); });
        QVERIFY(rebuilt.ok());
        QCOMPARE(rebuilt->manifestDigest, m_busybox.manifestDigest);
        QVERIFY(!std::filesystem::exists(blobDir / std::string(64, 'a')));
        QCOMPARE(std::distance(std::filesystem::directory_iterator(blobDir),
                               std::filesystem::directory_iterator()),
                 3);

        QCOMPARE(progress.size(), std::size_t(5));
        QVERIFY(progress[0].starts_with("building library/busybox:latest from "));
        const std::string layer1 = "layer 1/2 (busybox and its applet links): ";
        QVERIFY2(progress[1].starts_with(layer1), progress[1].c_str());
        QVERIFY2(progress[1].ends_with(rebuilt->layers[0].digest.substr(0, 19) + "…"),
                 progress[1].c_str());
        QVERIFY(progress[2].starts_with("layer 2/2 (users, groups and standard directories): "));
        QVERIFY(progress[3].starts_with("config: "));
        QCOMPARE(progress[4], "library/busybox:latest: manifest " + rebuilt->manifestDigest);
    }

    void loadBuiltImageRoundTrips()
    {
        auto loaded = loadBuiltImage(m_busybox.directory);
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().message().c_str());
        QCOMPARE(loaded->reference(), m_busybox.reference());
        QCOMPARE(loaded->manifestDigest, m_busybox.manifestDigest);
        QCOMPARE(loaded->configDigest, m_busybox.configDigest);
        QCOMPARE(loaded->configSize, m_busybox.configSize);
        QCOMPARE(loaded->layers.size(), m_busybox.layers.size());
        for (std::size_t i = 0; i < loaded->layers.size(); ++i) {
            QCOMPARE(loaded->layers[i].digest, m_busybox.layers[i].digest);
            QCOMPARE(loaded->layers[i].diffId, m_busybox.layers[i].diffId);
            QCOMPARE(loaded->layers[i].size, m_busybox.layers[i].size);
            QCOMPARE(loaded->layers[i].comment, m_busybox.layers[i].comment);
        }

        QTemporaryDir copy;
        std::filesystem::copy(m_busybox.directory, tempPath(copy) / "busybox",
                              std::filesystem::copy_options::recursive);
        std::filesystem::resize_file(
            tempPath(copy) / "busybox/blobs/sha256" / m_busybox.layers[1].digest.substr(7), 10);
        auto truncated = loadBuiltImage(tempPath(copy) / "busybox");
        QVERIFY(!truncated.ok());
        QCOMPARE(truncated.error().message(),
                 "loading built image " + (tempPath(copy) / "busybox").string() + ": blob " +
                     m_busybox.layers[1].digest + " is missing or has the wrong size");
    }

    void pauseImageUsesTheBuiltProgram()
    {
        QTemporaryDir cache;
        auto image = buildRealRecipe("pause", tempPath(cache));
        QVERIFY2(image.ok(), image.ok() ? "" : image.error().message().c_str());
        QCOMPARE(image->reference(), std::string("flowlab/pause:1.0"));
        const QStringList listing = tarListing(image->blobPath(image->layers.at(0).digest));
        QCOMPARE(listing.size(), 1);
        QVERIFY2(listing[0].startsWith("-rwxr-xr-x 0/0 ") && listing[0].endsWith(" pause"),
                 qPrintable(listing[0]));
        QCOMPARE(shell("tar -xzOf " + quoted(image->blobPath(image->layers[0].digest)) +
                       " pause | cmp - " FLOWLAB_BIN_DIR "/flowlab-pause")
                     .exitCode,
                 0);

        // Without the variable the build fails where the recipe uses it.
        auto recipe = loadRecipe(FLOWLAB_SOURCE_DIR "/resources/images/pause/recipe.json");
        QVERIFY(recipe.ok());
        auto missing = buildImage(*recipe, {tempPath(cache), {}});
        QVERIFY(!missing.ok());
        const std::string file = recipe->file.string();
        QCOMPARE(missing.error().message(),
                 "building flowlab/pause:1.0: " + file +
                     ": /layers/0/files/0: ${FLOWLAB_BIN_DIR} is not defined (defined: none)");
    }

    void pauseExitsCleanlyOnSignal_data()
    {
        QTest::addColumn<int>("signal");
        QTest::newRow("SIGTERM") << int(SIGTERM);
        QTest::newRow("SIGINT") << int(SIGINT);
    }

    void pauseExitsCleanlyOnSignal()
    {
        QFETCH(int, signal);
        auto interpreter = elfInterpreter(FLOWLAB_BIN_DIR "/flowlab-pause");
        QVERIFY(interpreter.ok());
        QVERIFY2(!*interpreter, "flowlab-pause must be static: the pause image has no libc");

        QProcess pause;
        pause.start(FLOWLAB_BIN_DIR "/flowlab-pause", {});
        QVERIFY(pause.waitForStarted());
        QVERIFY(!pause.waitForFinished(300)); // it waits rather than exiting
        QCOMPARE(::kill(pid_t(pause.processId()), signal), 0);
        QVERIFY(pause.waitForFinished(5000));
        QCOMPARE(pause.exitStatus(), QProcess::NormalExit);
        QCOMPARE(pause.exitCode(), 0);
    }

    void push_data()
    {
        QTest::addColumn<int>("style");
        QTest::newRow("relative Location with a query")
            << int(FakeRegistry::LocationStyle::RelativeWithQuery);
        QTest::newRow("absolute Location") << int(FakeRegistry::LocationStyle::Absolute);
    }

    void push()
    {
        QFETCH(int, style);
        FakeRegistry registry{FakeRegistry::LocationStyle(style)};
        QVERIFY(registry.startListening());
        auto client = RegistryClient::create(registry.url().toStdString());
        QVERIFY2(client.ok(), client.ok() ? "" : client.error().message().c_str());

        auto version = client->ping();
        QVERIFY2(version.ok(), version.ok() ? "" : version.error().message().c_str());
        QCOMPARE(*version, std::string("registry/2.0"));
        auto before = client->hasManifest("library/busybox", "latest");
        QVERIFY(before.ok());
        QVERIFY(!*before);
        registry.clearRequests();

        std::vector<std::string> progress;
        auto report = client->push(m_busybox, [&](const std::string &l) { progress.push_back(l); });
        QVERIFY2(report.ok(), report.ok() ? "" : report.error().message().c_str());
        QCOMPARE(report->blobsUploaded, 3);
        QCOMPARE(report->blobsSkipped, 0);
        QCOMPARE(report->manifestDigest, m_busybox.manifestDigest);
        QCOMPARE(report->reference,
                 registry.url().mid(7).toStdString() + "/library/busybox:latest");

        // Layers bottom first, then the config; each: HEAD (404), POST, monolithic PUT.
        QStringList expected;
        const QString repo = "/v2/library/busybox";
        std::vector<std::string> blobs;
        for (const BuiltImageLayer &layer : m_busybox.layers)
            blobs.push_back(layer.digest);
        blobs.push_back(m_busybox.configDigest);
        int upload = 0;
        for (const std::string &digest : blobs) {
            const QString d = QString::fromStdString(digest);
            const QString id = QString("upload-%1").arg(++upload);
            expected << "HEAD " + repo + "/blobs/" + d << "POST " + repo + "/blobs/uploads/";
            expected << (style == int(FakeRegistry::LocationStyle::Absolute)
                             ? "PUT " + repo + "/blobs/uploads/" + id + "?digest=" + d
                             : "PUT " + repo + "/blobs/uploads/" + id + "?_state=" + id +
                                   "&digest=" + d);
            QCOMPARE(registry.blob(d.toUtf8()).size(),
                     qsizetype(std::filesystem::file_size(m_busybox.blobPath(digest))));
        }
        expected << "PUT " + repo + "/manifests/latest";
        QCOMPARE(registry.requestLines(), expected);
        const auto requests = registry.requests();
        QCOMPARE(requests.last().contentType,
                 QByteArray("application/vnd.docker.distribution.manifest.v2+json"));
        QCOMPARE(requests[2].contentType, QByteArray("application/octet-stream"));
        QCOMPARE(registry.manifest("library/busybox", "latest"),
                 QByteArray::fromStdString(m_busybox.manifest));
        QCOMPARE(progress.back(), report->reference + ": manifest " + m_busybox.manifestDigest);

        auto after = client->hasManifest("library/busybox", "latest");
        QVERIFY(after.ok());
        QVERIFY(*after);

        // A second push finds every blob and only re-tags.
        registry.clearRequests();
        auto again = client->push(m_busybox);
        QVERIFY2(again.ok(), again.ok() ? "" : again.error().message().c_str());
        QCOMPARE(again->blobsUploaded, 0);
        QCOMPARE(again->blobsSkipped, 3);
        QStringList heads;
        for (const std::string &digest : blobs)
            heads << "HEAD " + repo + "/blobs/" + QString::fromStdString(digest);
        QCOMPARE(registry.requestLines(), heads << "PUT " + repo + "/manifests/latest");
    }

    void pushErrors_data()
    {
        QTest::addColumn<int>("fault");
        QTest::addColumn<QString>("error"); // $URL: the registry's base URL; $L1: layer 1 digest

        const QString prefix = "pushing library/busybox:latest to $URL: ";
        QTest::newRow("manifest rejected")
            << int(FakeRegistry::Fault::RejectManifest)
            << prefix + "PUT $URL/v2/library/busybox/manifests/latest: HTTP 400: MANIFEST_INVALID: "
                        "manifest invalid";
        QTest::newRow("manifest digest differs")
            << int(FakeRegistry::Fault::WrongManifestDigest)
            << prefix +
                   "PUT $URL/v2/library/busybox/manifests/latest: registry computed manifest "
                   "digest sha256:" +
                   QString(64, '0') + ", expected $MANIFEST";
        QTest::newRow("blob rejected")
            << int(FakeRegistry::Fault::RejectBlob)
            << prefix + "PUT $URL/v2/library/busybox/blobs/uploads/upload-1?_state=upload-1&digest="
                        "$L1: HTTP 400: DIGEST_INVALID: provided digest did not match uploaded "
                        "content";
        QTest::newRow("upload without Location")
            << int(FakeRegistry::Fault::NoLocation)
            << prefix + "POST $URL/v2/library/busybox/blobs/uploads/: HTTP 202 without a Location "
                        "header";
        QTest::newRow("authentication required")
            << int(FakeRegistry::Fault::Unauthorized)
            << prefix + "HEAD $URL/v2/library/busybox/blobs/$L1: HTTP 401";
    }

    void pushErrors()
    {
        QFETCH(int, fault);
        QFETCH(QString, error);
        FakeRegistry registry(FakeRegistry::LocationStyle::RelativeWithQuery,
                              FakeRegistry::Fault(fault));
        QVERIFY(registry.startListening());
        auto client = RegistryClient::create(registry.url().toStdString());
        QVERIFY(client.ok());
        auto report = client->push(m_busybox);
        QVERIFY(!report.ok());
        error.replace("$URL", registry.url())
            .replace("$L1", QString::fromStdString(m_busybox.layers[0].digest))
            .replace("$MANIFEST", QString::fromStdString(m_busybox.manifestDigest));
        QCOMPARE(QString::fromStdString(report.error().message()), error);
    }

    void pingNamesUnauthorizedMessage()
    {
        FakeRegistry registry(FakeRegistry::LocationStyle::Absolute,
                              FakeRegistry::Fault::Unauthorized);
        QVERIFY(registry.startListening());
        auto client = RegistryClient::create(registry.url().toStdString());
        QVERIFY(client.ok());
        auto version = client->ping();
        QVERIFY(!version.ok());
        QCOMPARE(QString::fromStdString(version.error().message()),
                 "GET " + registry.url() + "/v2/: HTTP 401: UNAUTHORIZED: authentication required");
    }

    void connectionRefusedNamesTheUrl()
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        const quint16 port = probe.serverPort();
        probe.close();
        auto client = RegistryClient::create("http://127.0.0.1:" + std::to_string(port));
        QVERIFY(client.ok());
        auto version = client->ping();
        QVERIFY(!version.ok());
        const QString message = QString::fromStdString(version.error().message());
        QVERIFY2(message.startsWith(QString("GET http://127.0.0.1:%1/v2/: ").arg(port)),
                 qPrintable(message));
        QVERIFY2(message.contains("Couldn't connect") || message.contains("refused"),
                 qPrintable(message));
    }

    void createValidatesUrl_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("result"); // base URL, or the error

        QTest::newRow("IPv4 with port") << "http://192.168.56.5:5000"
                                        << "http://192.168.56.5:5000";
        QTest::newRow("trailing slash") << "http://127.0.0.1:5000/"
                                        << "http://127.0.0.1:5000";
        QTest::newRow("IPv6") << "http://[::1]:5000"
                              << "http://[::1]:5000";
        QTest::newRow("host name") << "http://registry.lab:5000"
                                   << "registry URL \"http://registry.lab:5000\": host must be an "
                                      "IP address (no DNS inside lab namespaces)";
        QTest::newRow("scheme") << "ftp://10.0.0.1"
                                << "registry URL \"ftp://10.0.0.1\": scheme must be http or https";
        QTest::newRow("path") << "http://10.0.0.1:5000/v2"
                              << "registry URL \"http://10.0.0.1:5000/v2\": must not have a path; "
                                 "the client adds /v2/";
    }

    void createValidatesUrl()
    {
        QFETCH(QString, url);
        QFETCH(QString, result);
        auto client = RegistryClient::create(url.toStdString());
        QCOMPARE(QString::fromStdString(client.ok() ? client->baseUrl() : client.error().message()),
                 result);
    }

private:
    QTemporaryDir m_cache;
    BuiltImage m_busybox;
};

QTEST_GUILESS_MAIN(TestImageLayers)
#include "tst_image_layers.moc"
