// Label and field selectors as `kubectl get -l ...` and `--field-selector ...` reach the
// apiserver: what parses, how it prints, what it matches, and the errors kubectl would show.

#include "engine/kube/api/Selectors.h"

#include <QTest>

using namespace flowlab::kube;

namespace {

Json json(const QString &text)
{
    return Json::parse(text.toStdString());
}

QString qs(const std::string &text)
{
    return QString::fromStdString(text);
}

// The apiserver's validation messages, spelled out as kubectl prints them.
const QString kNamePart =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const QString kLabelValue =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const QString kParseFailure = "unable to parse requirement: ";

QString renderFieldRequirements(const FieldSelector &selector)
{
    QStringList parts;
    for (const FieldRequirement &r : selector.requirements())
        parts << qs(r.field + (r.equals ? "=" : "!=") + r.value);
    return parts.join(';');
}

} // namespace

class TestKubeSelectors : public QObject
{
    Q_OBJECT

private slots:
    void parsesLabelSelectors_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("canonical");

        QTest::newRow("empty selects everything") << ""
                                                  << "";
        QTest::newRow("only whitespace") << " \t\n"
                                         << "";
        QTest::newRow("equals") << "app=web"
                                << "app=web";
        QTest::newRow("double equals is equals") << "app==web"
                                                 << "app=web";
        QTest::newRow("sorted by key") << "tier!=db,app=web"
                                       << "app=web,tier!=db";
        QTest::newRow("whitespace around tokens") << " app = web ,\ttier != db "
                                                  << "app=web,tier!=db";
        QTest::newRow("in, values sorted") << "env in (staging, prod)"
                                           << "env in (prod,staging)";
        QTest::newRow("in, duplicates dropped") << "env in (b,a,b)"
                                                << "env in (a,b)";
        QTest::newRow("in without space before paren") << "env in(a)"
                                                       << "env in (a)";
        QTest::newRow("notin") << "env notin (dev)"
                               << "env notin (dev)";
        QTest::newRow("exists") << "gpu"
                                << "gpu";
        QTest::newRow("does not exist") << "!legacy"
                                        << "!legacy";
        QTest::newRow("does not exist, spaced") << "! legacy"
                                                << "!legacy";
        QTest::newRow("prefixed key") << "app.kubernetes.io/name=web"
                                      << "app.kubernetes.io/name=web";
        QTest::newRow("empty values in a set") << "x in (foo,,baz),y,z notin ()"
                                               << "x in (,baz,foo),y,z notin ()";
        QTest::newRow("leading comma in a set") << "x in (,a)"
                                                << "x in (,a)";
        QTest::newRow("trailing comma in a set") << "x in (a,)"
                                                 << "x in (,a)";
        QTest::newRow("empty exact value") << "app="
                                           << "app=";
        QTest::newRow("empty exact value, then more") << "app=,tier"
                                                      << "app=,tier";
        QTest::newRow("in and notin as words") << "in in (in,notin)"
                                               << "in in (in,notin)";
        QTest::newRow("greater than") << "replicas>2"
                                      << "replicas>2";
        QTest::newRow("less than") << "replicas < 10"
                                   << "replicas<10";
        QTest::newRow("same key twice keeps both") << "app=web,app!=db"
                                                   << "app=web,app!=db";
        QTest::newRow("63 character name") << QString(63, 'a') + "=x" << QString(63, 'a') + "=x";
    }

    void parsesLabelSelectors()
    {
        QFETCH(QString, text);
        QFETCH(QString, canonical);
        const auto selector = LabelSelector::parse(text.toStdString());
        QVERIFY2(selector.ok(), selector.ok() ? "" : selector.error().message().c_str());
        QCOMPARE(qs(selector->toString()), canonical);
        QCOMPARE(selector->empty(), canonical.isEmpty());
    }

    void rejectsLabelSelectors_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("error");

        QTest::newRow("two words") << "a b"
                                   << kParseFailure + "found 'b', expected: in, notin, =, "
                                                      "==, !=, gt, lt";
        QTest::newRow("bang inside") << "a!b"
                                     << kParseFailure + "found '!', expected: in, notin, "
                                                        "=, ==, !=, gt, lt";
        QTest::newRow("trailing comma") << "app=web,"
                                        << "found '', expected: identifier after ','";
        QTest::newRow("double comma") << "a,,b"
                                      << "found ',', expected: identifier after ','";
        QTest::newRow("leading comma") << ",app"
                                       << "found ',', expected: !, identifier, or 'end of string'";
        QTest::newRow("leading operator")
            << "=web"
            << "found '=', expected: !, identifier, or 'end of string'";
        QTest::newRow("leading not-equals")
            << "!=a"
            << "found '!=', expected: !, identifier, or 'end of string'";
        QTest::newRow("missing comma") << "app=web tier"
                                       << "found 'tier', expected: ',' or 'end of string'";
        QTest::newRow("does-not-exist with a value")
            << "!app=web"
            << "found '=', expected: ',' or 'end of string'";
        QTest::newRow("two values") << "a=b=c"
                                    << "found '=', expected: ',' or 'end of string'";
        QTest::newRow("in without parens") << "env in prod"
                                           << kParseFailure + "found 'prod' "
                                                              "expected: '('";
        QTest::newRow("set without comma")
            << "env in (a b)" << kParseFailure + "found 'b', expected: ',' or ')'";
        QTest::newRow("unclosed set") << "env in (a"
                                      << kParseFailure + "found '', expected: ',' "
                                                         "or ')'";
        QTest::newRow("operator in a set")
            << "env in (=)" << kParseFailure + "found '=', expected: ',', ')' or identifier";
        QTest::newRow("operator after a comma in a set")
            << "env in (a,=)" << kParseFailure + "found '=', expected: ',', or identifier";
        QTest::newRow("bang alone") << "!" << kParseFailure + "found '', expected: identifier";
        QTest::newRow("triple equals")
            << "app!==web" << kParseFailure + "found '=', expected: identifier";
        QTest::newRow("paren as value")
            << "app=(web)" << kParseFailure + "found '(', expected: identifier";
        QTest::newRow("bad key character")
            << "a$b=c" << kParseFailure + "<nil>: Invalid value: \"a$b\": " + kNamePart;
        QTest::newRow("key ends with a dash")
            << "app-" << kParseFailure + "<nil>: Invalid value: \"app-\": " + kNamePart;
        QTest::newRow("two slashes")
            << "a/b/c=d"
            << kParseFailure +
                   "<nil>: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric "
                   "characters, '-', '_' or '.', and must start and end with an alphanumeric "
                   "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
                   "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional "
                   "DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
        QTest::newRow("uppercase prefix")
            << "Example.com/app"
            << kParseFailure +
                   "<nil>: Invalid value: \"Example.com/app\": prefix part a lowercase RFC 1123 "
                   "subdomain must consist of lower case alphanumeric characters, '-' or '.', and "
                   "must start and end with an alphanumeric character (e.g. 'example.com', regex "
                   "used for validation is "
                   "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
        QTest::newRow("empty prefix") << "/app"
                                      << kParseFailure + "<nil>: Invalid value: \"/app\": "
                                                         "prefix part must be non-empty";
        QTest::newRow("empty name")
            << "example.com/"
            << kParseFailure +
                   "<nil>: Invalid value: \"example.com/\": name part must be "
                   "non-empty; " +
                   kNamePart;
        QTest::newRow("64 character name")
            << QString(64, 'a')
            << kParseFailure + "<nil>: Invalid value: \"" + QString(64, 'a') +
                   "\": name part must be no more than 63 characters";
        QTest::newRow("quote in key is quoted as Go does")
            << "a\"b" << kParseFailure + "<nil>: Invalid value: \"a\\\"b\": " + kNamePart;
        QTest::newRow("bad value")
            << "app=-web"
            << kParseFailure + "values[0][app]: Invalid value: \"-web\": " + kLabelValue;
        QTest::newRow("bad value in a set, index after sorting")
            << "env in (ok,-bad)"
            << kParseFailure + "values[0][env]: Invalid value: \"-bad\": " + kLabelValue;
        QTest::newRow("two bad values are listed")
            << "env in (-a,-b)"
            << kParseFailure + "[values[0][env]: Invalid value: \"-a\": " + kLabelValue +
                   ", values[1][env]: Invalid value: \"-b\": " + kLabelValue + "]";
        QTest::newRow("64 character value")
            << "app=" + QString(64, 'v')
            << kParseFailure + "values[0][app]: Invalid value: \"" + QString(64, 'v') +
                   "\": must be no more than 63 characters";
        QTest::newRow("greater than a word")
            << "replicas>two"
            << kParseFailure + "values[0]: Invalid value: \"two\": for 'Gt', 'Lt' operators, the "
                               "value must be an integer";
    }

    void rejectsLabelSelectors()
    {
        QFETCH(QString, text);
        QFETCH(QString, error);
        const auto selector = LabelSelector::parse(text.toStdString());
        QVERIFY(!selector.ok());
        QCOMPARE(qs(selector.error().message()), error);
    }

    void exposesRequirements()
    {
        const auto selector = LabelSelector::parse("z=1,x in (b,a,a),!y,w>3");
        QVERIFY(selector.ok());
        const auto &r = selector->requirements();
        QCOMPARE(r.size(), std::size_t(4));
        QCOMPARE(r[0].key, std::string("w"));
        QVERIFY(r[0].op == LabelRequirement::Op::GreaterThan);
        QCOMPARE(r[0].values, std::vector<std::string>{"3"});
        QCOMPARE(r[1].key, std::string("x"));
        QVERIFY(r[1].op == LabelRequirement::Op::In);
        QCOMPARE(r[1].values, (std::vector<std::string>{"a", "b"}));
        QCOMPARE(r[2].key, std::string("y"));
        QVERIFY(r[2].op == LabelRequirement::Op::DoesNotExist);
        QVERIFY(r[2].values.empty());
        QCOMPARE(r[3].key, std::string("z"));
        QVERIFY(r[3].op == LabelRequirement::Op::Equals);
        QCOMPARE(r[3].values, std::vector<std::string>{"1"});
    }

    void matchesLabels_data()
    {
        QTest::addColumn<QString>("selector");
        QTest::addColumn<QString>("labels");
        QTest::addColumn<bool>("matches");

        QTest::newRow("equals, same") << "app=web"
                                      << R"({"app":"web"})" << true;
        QTest::newRow("equals, other value") << "app=web"
                                             << R"({"app":"db"})" << false;
        QTest::newRow("equals, no labels") << "app=web"
                                           << "{}" << false;
        QTest::newRow("equals, labels null") << "app=web"
                                             << "null" << false;
        QTest::newRow("equals empty, empty value") << "app="
                                                   << R"({"app":""})" << true;
        QTest::newRow("equals empty, missing") << "app="
                                               << "{}" << false;
        QTest::newRow("not equals, missing") << "app!=web"
                                             << "{}" << true;
        QTest::newRow("not equals, same") << "app!=web"
                                          << R"({"app":"web"})" << false;
        QTest::newRow("not equals, other") << "app!=web"
                                           << R"({"app":"db"})" << true;
        QTest::newRow("in, listed") << "env in (a,b)"
                                    << R"({"env":"b"})" << true;
        QTest::newRow("in, not listed") << "env in (a,b)"
                                        << R"({"env":"c"})" << false;
        QTest::newRow("in, missing") << "env in (a,b)"
                                     << "{}" << false;
        QTest::newRow("notin, missing") << "env notin (a)"
                                        << "{}" << true;
        QTest::newRow("notin, listed") << "env notin (a)"
                                       << R"({"env":"a"})" << false;
        QTest::newRow("exists, empty value") << "gpu"
                                             << R"({"gpu":""})" << true;
        QTest::newRow("exists, missing") << "gpu"
                                         << R"({"app":"x"})" << false;
        QTest::newRow("does not exist, missing") << "!gpu"
                                                 << "{}" << true;
        QTest::newRow("does not exist, present") << "!gpu"
                                                 << R"({"gpu":"x"})" << false;
        QTest::newRow("everything") << ""
                                    << R"({"a":"b"})" << true;
        QTest::newRow("all must hold") << "app=web,tier=db"
                                       << R"({"app":"web","tier":"db"})" << true;
        QTest::newRow("one fails") << "app=web,tier=db"
                                   << R"({"app":"web","tier":"fe"})" << false;
        QTest::newRow("greater, larger") << "replicas>2"
                                         << R"({"replicas":"3"})" << true;
        QTest::newRow("greater, equal") << "replicas>2"
                                        << R"({"replicas":"2"})" << false;
        QTest::newRow("greater, not a number") << "replicas>2"
                                               << R"({"replicas":"x"})" << false;
        QTest::newRow("greater, missing") << "replicas>2"
                                          << "{}" << false;
        QTest::newRow("less, negative") << "replicas<2"
                                        << R"({"replicas":"-1"})" << true;
        QTest::newRow("non-string value reads as absent") << "app"
                                                          << R"({"app":1})" << false;
    }

    void matchesLabels()
    {
        QFETCH(QString, selector);
        QFETCH(QString, labels);
        QFETCH(bool, matches);
        const auto parsed = LabelSelector::parse(selector.toStdString());
        QVERIFY(parsed.ok());
        QCOMPARE(parsed->matches(json(labels)), matches);
    }

    void readsSelectorObjects_data()
    {
        QTest::addColumn<QString>("selector");
        QTest::addColumn<QString>("canonical");
        QTest::addColumn<QString>("labels");
        QTest::addColumn<bool>("matches");

        QTest::newRow("null") << "null"
                              << ""
                              << "{}" << true;
        QTest::newRow("empty") << "{}"
                               << ""
                               << R"({"a":"b"})" << true;
        QTest::newRow("match labels") << R"({"matchLabels":{"tier":"fe","app":"web"}})"
                                      << "app=web,tier=fe"
                                      << R"({"app":"web","tier":"fe","x":"y"})" << true;
        QTest::newRow("match labels, one missing") << R"({"matchLabels":{"tier":"fe","app":"web"}})"
                                                   << "app=web,tier=fe"
                                                   << R"({"app":"web"})" << false;
        QTest::newRow("labels and expressions")
            << R"({"matchLabels":{"app":"web"},"matchExpressions":[
                   {"key":"env","operator":"In","values":["prod","dev"]},
                   {"key":"legacy","operator":"DoesNotExist"}]})"
            << "app=web,env in (dev,prod),!legacy"
            << R"({"app":"web","env":"dev"})" << true;
        QTest::newRow("notin and exists")
            << R"({"matchExpressions":[{"key":"gpu","operator":"Exists"},
                   {"key":"env","operator":"NotIn","values":["dev"]}]})"
            << "env notin (dev),gpu"
            << R"({"gpu":"a100","env":"dev"})" << false;
        QTest::newRow("exists with an empty values list")
            << R"({"matchExpressions":[{"key":"gpu","operator":"Exists","values":[]}]})"
            << "gpu"
            << R"({"gpu":""})" << true;
    }

    void readsSelectorObjects()
    {
        QFETCH(QString, selector);
        QFETCH(QString, canonical);
        QFETCH(QString, labels);
        QFETCH(bool, matches);
        const auto parsed = LabelSelector::fromJson(json(selector));
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message().c_str());
        QCOMPARE(qs(parsed->toString()), canonical);
        QCOMPARE(parsed->matches(json(labels)), matches);
    }

    void rejectsSelectorObjects_data()
    {
        QTest::addColumn<QString>("selector");
        QTest::addColumn<QString>("error");

        const QString inRequired = "Required value: must be specified when `operator` is 'In' or "
                                   "'NotIn'";
        QTest::newRow("in without values")
            << R"({"matchExpressions":[{"key":"env","operator":"In"}]})"
            << "matchExpressions[0].values: " + inRequired;
        QTest::newRow("notin with empty values")
            << R"({"matchExpressions":[{"key":"env","operator":"NotIn","values":[]}]})"
            << "matchExpressions[0].values: " + inRequired;
        QTest::newRow("exists with values")
            << R"({"matchExpressions":[{"key":"gpu","operator":"Exists","values":["x"]}]})"
            << "matchExpressions[0].values: Forbidden: may not be specified when `operator` is "
               "'Exists' or 'DoesNotExist'";
        QTest::newRow("node selector operator")
            << R"({"matchExpressions":[{"key":"n","operator":"Gt","values":["1"]}]})"
            << "matchExpressions[0].operator: Invalid value: \"Gt\": not a valid selector operator";
        QTest::newRow("lowercase operator")
            << R"({"matchExpressions":[{"key":"n","operator":"in","values":["1"]}]})"
            << "matchExpressions[0].operator: Invalid value: \"in\": not a valid selector operator";
        QTest::newRow("missing operator")
            << R"({"matchExpressions":[{"key":"n"}]})"
            << "matchExpressions[0].operator: Invalid value: \"\": not a valid selector operator";
        QTest::newRow("bad key") << R"({"matchExpressions":[{"key":"a$","operator":"Exists"}]})"
                                 << "matchExpressions[0].key: Invalid value: \"a$\": " + kNamePart;
        QTest::newRow("bad value")
            << R"({"matchExpressions":[{"key":"a","operator":"In","values":["ok","-x"]}]})"
            << "matchExpressions[0].values[1]: Invalid value: \"-x\": " + kLabelValue;
        QTest::newRow("two errors are listed")
            << R"({"matchExpressions":[{"key":"env","operator":"In"},
                   {"key":"x","operator":"Bogus"}]})"
            << "[matchExpressions[0].values: " + inRequired +
                   ", matchExpressions[1].operator: Invalid value: \"Bogus\": not a valid "
                   "selector operator]";
        QTest::newRow("bad match label value")
            << R"({"matchLabels":{"app":"-web"}})"
            << "matchLabels: Invalid value: \"-web\": " + kLabelValue;
        QTest::newRow("bad match label key")
            << R"({"matchLabels":{"-app":"web"}})"
            << "matchLabels: Invalid value: \"-app\": " + kNamePart;
        QTest::newRow("match label not a string")
            << R"({"matchLabels":{"replicas":3}})"
            << "matchLabels[replicas]: Invalid value: 3: must be a string";
        QTest::newRow("a query string instead of an object")
            << R"("app=web")"
            << "Invalid value: \"app=web\": must be an object";
        QTest::newRow("expressions not a list")
            << R"({"matchExpressions":{"key":"a"}})"
            << "matchExpressions: Invalid value: {\"key\":\"a\"}: must be a list";
    }

    void rejectsSelectorObjects()
    {
        QFETCH(QString, selector);
        QFETCH(QString, error);
        const auto parsed = LabelSelector::fromJson(json(selector));
        QVERIFY(!parsed.ok());
        QCOMPARE(qs(parsed.error().message()), error);
    }

    void readsServiceSelectorMaps()
    {
        const LabelSelector selector = LabelSelector::fromMap(json(R"({"tier":"fe","app":"web"})"));
        QCOMPARE(qs(selector.toString()), QString("app=web,tier=fe"));
        QVERIFY(selector.matches(json(R"({"app":"web","tier":"fe","pod-template-hash":"x"})")));
        QVERIFY(!selector.matches(json(R"({"app":"web"})")));
        QVERIFY(LabelSelector::fromMap(Json()).empty());
    }

    void parsesFieldSelectors_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("requirements");

        QTest::newRow("empty") << ""
                               << "";
        QTest::newRow("equals") << "metadata.name=web"
                                << "metadata.name=web";
        QTest::newRow("double equals") << "metadata.name==web"
                                       << "metadata.name=web";
        QTest::newRow("not equals empty") << "spec.nodeName!="
                                          << "spec.nodeName!=";
        QTest::newRow("terms sorted") << "status.phase=Running,spec.nodeName=node1"
                                      << "spec.nodeName=node1;status.phase=Running";
        QTest::newRow("empty terms skipped") << ",metadata.name=web,"
                                             << "metadata.name=web";
        QTest::newRow("escaped comma") << "metadata.name=a\\,b"
                                       << "metadata.name=a,b";
        QTest::newRow("escaped equals") << "metadata.name=a\\=b"
                                        << "metadata.name=a=b";
        QTest::newRow("escaped backslash") << "metadata.name=a\\\\b"
                                           << "metadata.name=a\\b";
        QTest::newRow("no trimming") << " metadata.name = web"
                                     << " metadata.name = web";
        QTest::newRow("first operator wins") << "a!b=c"
                                             << "a!b=c";
    }

    void parsesFieldSelectors()
    {
        QFETCH(QString, text);
        QFETCH(QString, requirements);
        const auto selector = FieldSelector::parse(text.toStdString());
        QVERIFY2(selector.ok(), selector.ok() ? "" : selector.error().message().c_str());
        QCOMPARE(renderFieldRequirements(*selector), requirements);
        QCOMPARE(selector->empty(), requirements.isEmpty());
    }

    void rejectsFieldSelectors_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("error");

        QTest::newRow("no operator")
            << "metadata.name"
            << "invalid selector: 'metadata.name'; can't understand 'metadata.name'";
        QTest::newRow("second term without operator")
            << "a=b,c"
            << "invalid selector: 'a=b,c'; can't understand 'c'";
        QTest::newRow("unknown escape") << "metadata.name=a\\x"
                                        << "invalid field selector: invalid escape sequence: \\x";
        QTest::newRow("trailing backslash")
            << "metadata.name=a\\"
            << "invalid field selector: invalid escape sequence: \\";
        // Go prints the rune with %v: its code point.
        QTest::newRow("unescaped equals")
            << "metadata.name=a=b"
            << "invalid field selector: unescaped character in value: 61";
        QTest::newRow("triple equals")
            << "metadata.name===b"
            << "invalid field selector: unescaped character in value: 61";
        QTest::newRow("not equals then equals")
            << "metadata.name!==b"
            << "invalid field selector: unescaped character in value: 61";
    }

    void rejectsFieldSelectors()
    {
        QFETCH(QString, text);
        QFETCH(QString, error);
        const auto selector = FieldSelector::parse(text.toStdString());
        QVERIFY(!selector.ok());
        QCOMPARE(qs(selector.error().message()), error);
    }

    void matchesFields_data()
    {
        QTest::addColumn<QString>("selector");
        QTest::addColumn<QString>("object");
        QTest::addColumn<bool>("matches");

        const QString scheduled = R"({"kind":"Pod","metadata":{"name":"web","namespace":"default"},
            "spec":{"nodeName":"node1","hostNetwork":true},
            "status":{"phase":"Running","podIP":"10.0.0.5","podIPs":[{"ip":"10.0.0.5"}]}})";
        const QString pending = R"({"kind":"Pod","metadata":{"name":"web","namespace":"default"},
            "spec":{},"status":{"phase":"Pending"}})";
        QTest::newRow("node name") << "spec.nodeName=node1" << scheduled << true;
        QTest::newRow("node name differs") << "spec.nodeName!=node1" << scheduled << false;
        QTest::newRow("unscheduled has empty node name") << "spec.nodeName=" << pending << true;
        QTest::newRow("scheduled is not empty") << "spec.nodeName=" << scheduled << false;
        QTest::newRow("kubectl's non-terminated filter")
            << "status.phase!=Succeeded,status.phase!=Failed" << pending << true;
        QTest::newRow("name and namespace")
            << "metadata.name=web,metadata.namespace=default" << scheduled << true;
        QTest::newRow("other namespace") << "metadata.namespace=kube-system" << scheduled << false;
        QTest::newRow("boolean true") << "spec.hostNetwork=true" << scheduled << true;
        QTest::newRow("unset boolean is false") << "spec.hostNetwork=false" << pending << true;
        QTest::newRow("unset boolean is not empty") << "spec.hostNetwork=" << pending << false;
        QTest::newRow("pod IP") << "status.podIP=10.0.0.5" << scheduled << true;
        QTest::newRow("pod IP from podIPs first")
            << "status.podIP=10.0.0.6"
            << R"({"kind":"Pod","status":{"podIP":"10.0.0.5","podIPs":[{"ip":"10.0.0.6"}]}})"
            << true;
        QTest::newRow("old clients' spec.host") << "spec.host=node1" << scheduled << true;

        const QString node = R"({"kind":"Node","metadata":{"name":"node1"},"spec":{}})";
        QTest::newRow("schedulable node") << "spec.unschedulable=false" << node << true;
        QTest::newRow("cordoned node")
            << "spec.unschedulable=true"
            << R"({"kind":"Node","metadata":{"name":"node1"},"spec":{"unschedulable":true}})"
            << true;

        const QString event = R"({"kind":"Event","metadata":{"name":"web.1","namespace":"default"},
            "involvedObject":{"kind":"Pod","name":"web","namespace":"default","uid":"u1"},
            "reason":"Scheduled","type":"Normal","source":{"component":"default-scheduler"},
            "reportingComponent":"default-scheduler"})";
        QTest::newRow("event source is its component")
            << "source=default-scheduler" << event << true;
        QTest::newRow("event involved object")
            << "involvedObject.kind=Pod,involvedObject.name=web,involvedObject.uid=u1" << event
            << true;
        QTest::newRow("event type") << "type=Warning" << event << false;
        QTest::newRow("event reason and reporter")
            << "reason=Scheduled,reportingComponent=default-scheduler" << event << true;

        QTest::newRow("job successful is status.succeeded")
            << "status.successful=1"
            << R"({"kind":"Job","status":{"succeeded":1}})" << true;
        QTest::newRow("job without status has 0")
            << "status.successful=0"
            << R"({"kind":"Job","metadata":{"name":"j"}})" << true;
        QTest::newRow("replica set replicas")
            << "status.replicas=3"
            << R"({"kind":"ReplicaSet","status":{"replicas":3}})" << true;
        QTest::newRow("replica set replicas differ")
            << "status.replicas=3"
            << R"({"kind":"ReplicaSet","status":{"replicas":2}})" << false;
        QTest::newRow("secret type") << "type=kubernetes.io/tls"
                                     << R"({"kind":"Secret","type":"kubernetes.io/tls"})" << true;
        QTest::newRow("escaped comma in a value")
            << "metadata.name=a\\,b"
            << R"({"kind":"ConfigMap","metadata":{"name":"a,b"}})" << true;
        QTest::newRow("everything") << "" << node << true;
    }

    void matchesFields()
    {
        QFETCH(QString, selector);
        QFETCH(QString, object);
        QFETCH(bool, matches);
        const auto parsed = FieldSelector::parse(selector.toStdString());
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message().c_str());
        QCOMPARE(parsed->matches(json(object)), matches);
    }

    void knowsSelectableFields_data()
    {
        QTest::addColumn<QString>("group");
        QTest::addColumn<QString>("plural");
        QTest::addColumn<QString>("field");
        QTest::addColumn<bool>("selectable");

        for (const char *field :
             {"metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy",
              "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase",
              "status.podIP", "status.nominatedNodeName", "spec.host"})
            QTest::addRow("pods %s", field) << ""
                                            << "pods" << field << true;
        QTest::newRow("pods spec.containers") << ""
                                              << "pods"
                                              << "spec.containers" << false;
        QTest::newRow("pods status.hostIP") << ""
                                            << "pods"
                                            << "status.hostIP" << false;
        QTest::newRow("pods metadata.labels") << ""
                                              << "pods"
                                              << "metadata.labels" << false;

        for (const char *field :
             {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
              "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
              "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type",
              "metadata.namespace"})
            QTest::addRow("events %s", field) << ""
                                              << "events" << field << true;
        QTest::newRow("events message") << ""
                                        << "events"
                                        << "message" << false;

        QTest::newRow("secrets type") << ""
                                      << "secrets"
                                      << "type" << true;
        QTest::newRow("configmaps type") << ""
                                         << "configmaps"
                                         << "type" << false;
        QTest::newRow("configmaps name") << ""
                                         << "configmaps"
                                         << "metadata.name" << true;
        QTest::newRow("nodes unschedulable") << ""
                                             << "nodes"
                                             << "spec.unschedulable" << true;
        QTest::newRow("nodes name") << ""
                                    << "nodes"
                                    << "metadata.name" << true;
        QTest::newRow("nodes have no namespace field") << ""
                                                       << "nodes"
                                                       << "metadata.namespace" << false;
        QTest::newRow("namespaces phase") << ""
                                          << "namespaces"
                                          << "status.phase" << true;
        QTest::newRow("namespaces have no namespace field") << ""
                                                            << "namespaces"
                                                            << "metadata.namespace" << false;
        QTest::newRow("persistent volumes namespace") << ""
                                                      << "persistentvolumes"
                                                      << "metadata.namespace" << true;
        QTest::newRow("services cluster IP") << ""
                                             << "services"
                                             << "spec.clusterIP" << true;
        QTest::newRow("services type") << ""
                                       << "services"
                                       << "spec.type" << true;
        QTest::newRow("services ports") << ""
                                        << "services"
                                        << "spec.ports" << false;
        QTest::newRow("replicasets replicas") << "apps"
                                              << "replicasets"
                                              << "status.replicas" << true;
        QTest::newRow("deployments replicas") << "apps"
                                              << "deployments"
                                              << "status.replicas" << false;
        QTest::newRow("jobs successful") << "batch"
                                         << "jobs"
                                         << "status.successful" << true;
        QTest::newRow("jobs succeeded") << "batch"
                                        << "jobs"
                                        << "status.succeeded" << false;
    }

    void knowsSelectableFields()
    {
        QFETCH(QString, group);
        QFETCH(QString, plural);
        QFETCH(QString, field);
        QFETCH(bool, selectable);
        const ResourceInfo *resource =
            ResourceRegistry::builtin().find(group.toStdString(), "v1", plural.toStdString());
        QVERIFY(resource);
        QCOMPARE(isSelectableField(*resource, field.toStdString()), selectable);
    }
};

QTEST_GUILESS_MAIN(TestKubeSelectors)
#include "tst_kube_selectors.moc"
