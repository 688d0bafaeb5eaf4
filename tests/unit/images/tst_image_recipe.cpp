// Recipe parsing: what a lesson author sees when a recipe is right, and when it is wrong.

#include "engine/images/ImageRecipe.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>

using namespace flowlab;

namespace {

const std::filesystem::path kFile = "resources/images/demo/recipe.json";

// A valid recipe; bad rows break it with a JSON Patch so each row shows only what is wrong.
const char *kBaseRecipe = R"({
  "repository": "library/demo",
  "tag": "1.0",
  "layers": [
    { "comment": "motd", "files": [ { "kind": "text", "to": "/etc/motd", "content": "hi" } ] }
  ],
  "config": { "Cmd": ["sh"] }
})";

std::string patched(const char *patch)
{
    return nlohmann::json::parse(kBaseRecipe).patch(nlohmann::json::parse(patch)).dump(2);
}

std::string recipeWithEntry(const char *entry)
{
    nlohmann::json recipe = nlohmann::json::parse(kBaseRecipe);
    recipe["layers"][0]["files"][0] = nlohmann::json::parse(entry);
    return recipe.dump(2);
}

} // namespace

class TestImageRecipe : public QObject
{
    Q_OBJECT

private slots:
    void parsesBaseRecipe()
    {
        auto recipe = parseRecipe(kBaseRecipe, kFile);
        QVERIFY2(recipe.ok(), recipe.ok() ? "" : recipe.error().message().c_str());
        QCOMPARE(recipe->name, std::string("demo"));
        QCOMPARE(recipe->reference(), std::string("library/demo:1.0"));
        QCOMPARE(recipe->directory(), kFile.parent_path());
        QCOMPARE(recipe->layers.size(), std::size_t(1));
        QCOMPARE(recipe->layers[0].comment, std::string("motd"));
        QCOMPARE(recipe->layers[0].pointer, std::string("/layers/0"));
        QCOMPARE(recipe->config.cmd, std::optional<std::vector<std::string>>({"sh"}));
        QVERIFY(!recipe->config.entrypoint);
    }

    void entryKinds_data()
    {
        QTest::addColumn<QString>("entry");
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("from");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("content");
        QTest::addColumn<QString>("target");
        QTest::addColumn<int>("mode"); // -1: not given

        QTest::newRow("copy, to defaults to from")
            << R"({"kind": "copy", "from": "/usr/sbin/nginx"})" << int(RecipeEntryKind::HostFile)
            << "/usr/sbin/nginx"
            << "/usr/sbin/nginx"
            << ""
            << "" << -1;
        QTest::newRow("copy with variable, to and mode")
            << R"({"kind": "copy", "from": "${FLOWLAB_BIN_DIR}/p", "to": "/pause", "mode": "0755"})"
            << int(RecipeEntryKind::HostFile) << "${FLOWLAB_BIN_DIR}/p"
            << "/pause"
            << ""
            << "" << 0755;
        QTest::newRow("libraries") << R"({"kind": "libraries", "of": "/usr/sbin/nginx"})"
                                   << int(RecipeEntryKind::Libraries) << "/usr/sbin/nginx"
                                   << ""
                                   << ""
                                   << "" << -1;
        QTest::newRow("recipe-file")
            << R"({"kind": "recipe-file", "from": "conf/nginx.conf", "to": "/etc/nginx/nginx.conf"})"
            << int(RecipeEntryKind::RecipeFile) << "conf/nginx.conf"
            << "/etc/nginx/nginx.conf"
            << ""
            << "" << -1;
        QTest::newRow("text as string")
            << R"({"kind": "text", "to": "/etc/motd", "content": "a\nb", "mode": "600"})"
            << int(RecipeEntryKind::Text) << ""
            << "/etc/motd"
            << "a\nb"
            << "" << 0600;
        QTest::newRow("text as lines")
            << R"({"kind": "text", "to": "/etc/group", "content": ["root:x:0:", "www-data:x:33:"]})"
            << int(RecipeEntryKind::Text) << ""
            << "/etc/group"
            << "root:x:0:\nwww-data:x:33:\n"
            << "" << -1;
        QTest::newRow("dir with sticky mode")
            << R"({"kind": "dir", "path": "/tmp", "mode": "1777"})"
            << int(RecipeEntryKind::Directory) << ""
            << "/tmp"
            << ""
            << "" << 01777;
        QTest::newRow("symlink") << R"({"kind": "symlink", "path": "/bin/sh", "target": "busybox"})"
                                 << int(RecipeEntryKind::Symlink) << ""
                                 << "/bin/sh"
                                 << ""
                                 << "busybox" << -1;
    }

    void entryKinds()
    {
        QFETCH(QString, entry);
        QFETCH(int, kind);
        QFETCH(QString, from);
        QFETCH(QString, path);
        QFETCH(QString, content);
        QFETCH(QString, target);
        QFETCH(int, mode);

        auto recipe = parseRecipe(recipeWithEntry(entry.toStdString().c_str()), kFile);
        QVERIFY2(recipe.ok(), recipe.ok() ? "" : recipe.error().message().c_str());
        const RecipeEntry &parsed = recipe->layers[0].entries.at(0);
        QCOMPARE(int(parsed.kind), kind);
        QCOMPARE(QString::fromStdString(parsed.from), from);
        QCOMPARE(QString::fromStdString(parsed.path), path);
        QCOMPARE(QString::fromStdString(parsed.content), content);
        QCOMPARE(QString::fromStdString(parsed.target), target);
        QCOMPARE(parsed.mode ? int(*parsed.mode) : -1, mode);
        QCOMPARE(parsed.pointer, std::string("/layers/0/files/0"));
    }

    void config()
    {
        const char *patch = R"([{"op": "replace", "path": "/config", "value": {
            "Entrypoint": ["/pause"], "Env": ["A=1", "PATH=/bin"], "ExposedPorts": ["80/tcp", "53/udp"],
            "WorkingDir": "/srv", "Labels": {"org.example/a": "b"}}}])";
        auto recipe = parseRecipe(patched(patch), kFile);
        QVERIFY2(recipe.ok(), recipe.ok() ? "" : recipe.error().message().c_str());
        const nlohmann::json docker = recipe->config;
        QCOMPARE(docker, nlohmann::json::parse(R"({
            "Entrypoint": ["/pause"], "Env": ["A=1", "PATH=/bin"],
            "ExposedPorts": {"80/tcp": {}, "53/udp": {}}, "WorkingDir": "/srv",
            "Labels": {"org.example/a": "b"}})"));
    }

    void badRecipes_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("error"); // after "<file>: "

        QTest::newRow("missing key in second layer")
            << QString::fromStdString(patched(R"([{"op": "add", "path": "/layers/-", "value":
                   {"comment": "bin", "files": [{"kind": "copy", "to": "/x"}]}}])"))
            << "/layers/1/files/0/from: missing required key";
        QTest::newRow("missing config")
            << QString::fromStdString(patched(R"([{"op": "remove", "path": "/config"}])"))
            << "/config: missing required key";
        QTest::newRow("wrong type")
            << QString::fromStdString(patched(R"([{"op": "replace", "path": "/tag", "value": 5}])"))
            << "/tag: expected a string, got number";
        QTest::newRow("document is not an object") << "[]"
                                                   << "(document): expected an object, got array";
        QTest::newRow("unknown top-level key")
            << QString::fromStdString(
                   patched(R"([{"op": "add", "path": "/colour", "value": "red"}])"))
            << "/colour: unknown key (allowed here: repository, tag, description, layers, config)";
        QTest::newRow("unknown entry key (typo)")
            << QString::fromStdString(
                   patched(R"([{"op": "add", "path": "/layers/0/files/0/mdoe", "value": "0644"}])"))
            << "/layers/0/files/0/mdoe: unknown key (allowed here: kind, to, content, mode)";
        QTest::newRow("key valid for another kind")
            << QString::fromStdString(
                   recipeWithEntry(R"({"kind": "dir", "path": "/srv", "target": "x"})"))
            << "/layers/0/files/0/target: unknown key (allowed here: kind, path, mode)";
        QTest::newRow("unknown entry kind")
            << QString::fromStdString(recipeWithEntry(R"({"kind": "hostfile", "from": "/x"})"))
            << "/layers/0/files/0/kind: unknown entry kind \"hostfile\" (known: copy, libraries, "
               "recipe-file, text, dir, symlink)";
        QTest::newRow("missing kind")
            << QString::fromStdString(recipeWithEntry(R"({"from": "/x"})"))
            << "/layers/0/files/0/kind: missing required key";
        QTest::newRow("mode not octal")
            << QString::fromStdString(
                   recipeWithEntry(R"({"kind": "dir", "path": "/srv", "mode": "0758"})"))
            << "/layers/0/files/0/mode: \"0758\" is not an octal mode string like \"0755\"";
        QTest::newRow("mode as number") << QString::fromStdString(recipeWithEntry(
                                               R"({"kind": "dir", "path": "/srv", "mode": 493})"))
                                        << "/layers/0/files/0/mode: expected a string, got number";
        QTest::newRow("relative image path")
            << QString::fromStdString(
                   recipeWithEntry(R"({"kind": "text", "to": "etc/motd", "content": ""})"))
            << "/layers/0/files/0/to: \"etc/motd\" is not a clean absolute image path (like "
               "/etc/nginx/nginx.conf)";
        QTest::newRow("dot-dot in image path")
            << QString::fromStdString(
                   recipeWithEntry(R"({"kind": "symlink", "path": "/a/../b", "target": "x"})"))
            << "/layers/0/files/0/path: \"/a/../b\" is not a clean absolute image path (like "
               "/etc/nginx/nginx.conf)";
        QTest::newRow("relative host path")
            << QString::fromStdString(recipeWithEntry(R"({"kind": "copy", "from": "nginx"})"))
            << "/layers/0/files/0/from: host path \"nginx\" must be absolute (or start with "
               "${VARIABLE})";
        QTest::newRow("variable host path needs to")
            << QString::fromStdString(
                   recipeWithEntry(R"({"kind": "copy", "from": "${FLOWLAB_BIN_DIR}/p"})"))
            << "/layers/0/files/0/to: missing required key (\"${FLOWLAB_BIN_DIR}/p\" cannot "
               "double as the image path)";
        QTest::newRow("bad variable name")
            << QString::fromStdString(
                   recipeWithEntry(R"({"kind": "copy", "from": "${bin}/p", "to": "/p"})"))
            << "/layers/0/files/0/from: \"${bin}\" is not a variable name like ${FLOWLAB_BIN_DIR}";
        QTest::newRow("recipe file outside the folder")
            << QString::fromStdString(recipeWithEntry(
                   R"({"kind": "recipe-file", "from": "../other/nginx.conf", "to": "/n"})"))
            << "/layers/0/files/0/from: \"../other/nginx.conf\" must be a path inside the recipe "
               "folder";
        QTest::newRow("content of the wrong type")
            << QString::fromStdString(
                   recipeWithEntry(R"({"kind": "text", "to": "/motd", "content": 42})"))
            << "/layers/0/files/0/content: expected a string or an array of lines, got number";
        QTest::newRow("no layers") << QString::fromStdString(patched(
                                          R"([{"op": "replace", "path": "/layers", "value": []}])"))
                                   << "/layers: an image needs at least one layer";
        QTest::newRow("empty layer")
            << QString::fromStdString(
                   patched(R"([{"op": "replace", "path": "/layers/0/files", "value": []}])"))
            << "/layers/0/files: a layer needs at least one entry";
        QTest::newRow("bad repository")
            << QString::fromStdString(patched(
                   R"([{"op": "replace", "path": "/repository", "value": "Library/Nginx"}])"))
            << "/repository: \"Library/Nginx\" is not a repository name like \"library/nginx\"";
        QTest::newRow("Cmd as a string")
            << QString::fromStdString(
                   patched(R"([{"op": "replace", "path": "/config/Cmd", "value": "sh"}])"))
            << "/config/Cmd: expected an array of strings, got string";
        QTest::newRow("unknown config key")
            << QString::fromStdString(
                   patched(R"([{"op": "add", "path": "/config/Cmnd", "value": ["sh"]}])"))
            << "/config/Cmnd: unknown key (allowed here: Cmd, Entrypoint, Env, ExposedPorts, "
               "WorkingDir, Labels)";
        QTest::newRow("port without protocol")
            << QString::fromStdString(patched(
                   R"([{"op": "add", "path": "/config/ExposedPorts", "value": ["80/tcp", "443"]}])"))
            << "/config/ExposedPorts/1: \"443\" is not a port like \"80/tcp\"";
        QTest::newRow("Env without =")
            << QString::fromStdString(
                   patched(R"([{"op": "add", "path": "/config/Env", "value": ["DEBUG"]}])"))
            << "/config/Env/0: \"DEBUG\" is not NAME=value";
        QTest::newRow("label key with a slash is escaped in the pointer")
            << QString::fromStdString(patched(
                   R"([{"op": "add", "path": "/config/Labels", "value": {"org.example/x": 1}}])"))
            << "/config/Labels/org.example~1x: expected a string, got number";
    }

    void badRecipes()
    {
        QFETCH(QString, text);
        QFETCH(QString, error);
        auto recipe = parseRecipe(text.toStdString(), kFile);
        QVERIFY(!recipe.ok());
        QCOMPARE(QString::fromStdString(recipe.error().message()),
                 QString::fromStdString(kFile.string()) + ": " + error);
    }

    void badJsonNamesTheByte_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("byte");
        QTest::addColumn<QString>("detail");

        // nlohmann counts bytes from 1, up to and including the one that did not fit.
        QTest::newRow("trailing comma") << R"({"repository": "x",})" << 20 << "line 1, column 20";
        QTest::newRow("second line") << "{\n  \"tag\": latest\n}" << 12 << "line 2, column 10";
        QTest::newRow("truncated") << R"({"layers": [)" << 13 << "unexpected end of input";
    }

    void badJsonNamesTheByte()
    {
        QFETCH(QString, text);
        QFETCH(int, byte);
        QFETCH(QString, detail);
        auto recipe = parseRecipe(text.toStdString(), kFile);
        QVERIFY(!recipe.ok());
        const QString message = QString::fromStdString(recipe.error().message());
        QVERIFY2(message.startsWith(QString::fromStdString(kFile.string()) +
                                    QString(": byte %1: parse error").arg(byte)),
                 qPrintable(message));
        QVERIFY2(message.contains(detail), qPrintable(message));
    }

    void loadRecipeNamesTheFile()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::filesystem::path file =
            std::filesystem::path(dir.path().toStdString()) / "web" / "recipe.json";
        std::filesystem::create_directories(file.parent_path());
        std::ofstream(file) << patched(
            R"([{"op": "add", "path": "/layers/0/files/0/owner", "value": 0}])");

        auto bad = loadRecipe(file);
        QVERIFY(!bad.ok());
        QCOMPARE(bad.error().message(),
                 file.string() + ": /layers/0/files/0/owner: unknown key (allowed here: kind, to, "
                                 "content, mode)");

        std::ofstream(file) << kBaseRecipe;
        auto good = loadRecipe(file);
        QVERIFY2(good.ok(), good.ok() ? "" : good.error().message().c_str());
        QCOMPARE(good->name, std::string("web"));

        auto missing = loadRecipe(file.parent_path() / "nope.json");
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().message(), "open " + (file.parent_path() / "nope.json").string() +
                                                ": No such file or directory");
    }

    void expandVariables_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected"); // or the error
        QTest::addColumn<bool>("ok");

        QTest::newRow("none") << "/usr/sbin/nginx"
                              << "/usr/sbin/nginx" << true;
        QTest::newRow("one") << "${FLOWLAB_BIN_DIR}/flowlab-pause"
                             << "/opt/fl/bin/flowlab-pause" << true;
        QTest::newRow("two") << "${ROOT}${FLOWLAB_BIN_DIR}"
                             << "/r/opt/fl/bin" << true;
        QTest::newRow("unknown") << "${HOME}/x"
                                 << "${HOME} is not defined (defined: FLOWLAB_BIN_DIR, ROOT)"
                                 << false;
        QTest::newRow("unterminated") << "${FLOWLAB_BIN_DIR/x"
                                      << "unterminated ${ in \"${FLOWLAB_BIN_DIR/x\"" << false;
    }

    void expandVariables()
    {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        QFETCH(bool, ok);
        const RecipeVariables variables{{"FLOWLAB_BIN_DIR", "/opt/fl/bin"}, {"ROOT", "/r"}};
        auto result = expandRecipeVariables(text.toStdString(), variables);
        QCOMPARE(result.ok(), ok);
        QCOMPARE(QString::fromStdString(ok ? *result : result.error().message()), expected);
    }

    void realRecipesLoad()
    {
        const std::filesystem::path resources = FLOWLAB_SOURCE_DIR "/resources";
        auto files = listRecipes(resources);
        QVERIFY2(files.ok(), files.ok() ? "" : files.error().message().c_str());
        QCOMPARE(*files,
                 (std::vector<std::string>{(resources / "images/busybox/recipe.json").string(),
                                           (resources / "images/nginx/recipe.json").string(),
                                           (resources / "images/pause/recipe.json").string()}));
        std::map<std::string, ImageRecipe> recipes;
        for (const std::string &file : *files) {
            auto recipe = loadRecipe(file);
            QVERIFY2(recipe.ok(), recipe.ok() ? "" : recipe.error().message().c_str());
            recipes.emplace(recipe->name, std::move(*recipe));
        }

        const ImageRecipe &nginx = recipes.at("nginx");
        QCOMPARE(nginx.reference(), std::string("library/nginx:latest"));
        QVERIFY(nginx.layers.size() >= 3);
        QCOMPARE(nginx.layers[0].entries.at(0).kind, RecipeEntryKind::Libraries);
        QCOMPARE(nginx.config.exposedPorts, std::vector<std::string>{"80/tcp"});
        QCOMPARE(nginx.config.cmd,
                 std::optional<std::vector<std::string>>({"nginx", "-g", "daemon off;"}));

        QCOMPARE(recipes.at("busybox").config.cmd, std::optional<std::vector<std::string>>({"sh"}));
        const ImageRecipe &pause = recipes.at("pause");
        QCOMPARE(pause.config.entrypoint, std::optional<std::vector<std::string>>({"/pause"}));
        QCOMPARE(pause.layers.at(0).entries.at(0).from,
                 std::string("${FLOWLAB_BIN_DIR}/flowlab-pause"));
    }

    // Every applet link in the busybox recipe must be an applet the host's busybox has, or the
    // link would exist in the image and fail with "applet not found".
    void busyboxAppletsExist()
    {
        auto recipe = loadRecipe(FLOWLAB_SOURCE_DIR "/resources/images/busybox/recipe.json");
        QVERIFY2(recipe.ok(), recipe.ok() ? "" : recipe.error().message().c_str());
        QProcess list;
        list.start("/bin/busybox", {"--list"});
        QVERIFY(list.waitForFinished(10000));
        const QStringList applets = QString::fromUtf8(list.readAllStandardOutput()).split('\n');
        int links = 0;
        for (const RecipeEntry &entry : recipe->layers.at(0).entries) {
            if (entry.kind != RecipeEntryKind::Symlink)
                continue;
            ++links;
            QCOMPARE(entry.target, std::string("busybox"));
            const QString applet = QString::fromStdString(entry.path).section('/', -1);
            QVERIFY2(applets.contains(applet), qPrintable(applet + " is not a busybox applet"));
        }
        QVERIFY(links >= 13);
    }

    void listRecipesNamesTheMissingFolder()
    {
        auto files = listRecipes("/nonexistent/resources");
        QVERIFY(!files.ok());
        QCOMPARE(files.error().message(),
                 std::string("listing recipes in /nonexistent/resources/images: No such file or "
                             "directory"));
    }
};

QTEST_GUILESS_MAIN(TestImageRecipe)
#include "tst_image_recipe.moc"
