package dev.taipan.apicheck;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The release configuration of the whole build, read from the pom files of the checkout: what
 * is published, that each published pom carries (itself or from the parent, as Maven inherits
 * it) what a repository such as Maven Central requires, that the BOM manages exactly the
 * published libraries, and that the release profile builds sources and javadoc jars failing on
 * a javadoc warning. This module is build support, so the check of the build lives here.
 */
class PublishedPomsTest {
    /** The artifacts a consumer gets; everything else of the reactor is not installed or deployed. */
    private static final Set<String> PUBLISHED =
            Set.of("taipan-parent", "taipan-bom", "taipan-core", "taipan-dspy", "taipan-test",
                    "taipan-micrometer", "taipan-opentelemetry",
                    "taipan-spring-boot-starter", "taipan-spark");

    private static Path root;
    private static Element parent;
    /** artifactId -> the module's pom, for every module of the reactor. */
    private static final Map<String, Element> MODULES = new LinkedHashMap<>();

    @BeforeAll
    static void readPoms() throws Exception {
        String repo = System.getProperty("taipan.repo");
        assertNotNull(repo, "taipan.repo (set by the parent pom's surefire configuration)");
        root = Path.of(repo);
        parent = read(root.resolve("pom.xml"));
        for (Element module : children(child(parent, "modules"), "module")) {
            Element pom = read(root.resolve(module.getTextContent().strip()).resolve("pom.xml"));
            MODULES.put(text(pom, "artifactId"), pom);
        }
    }

    @Test
    void exactlyTheLibrariesArePublished() {
        Set<String> published = new TreeSet<>();
        if (!skipsInstall(parent)) {
            published.add(text(parent, "artifactId"));
        }
        MODULES.forEach((id, pom) -> {
            boolean skipInstall = skipsInstall(pom);
            assertEquals(skipInstall, "true".equals(property(pom, "maven.deploy.skip")),
                    id + ": maven.install.skip and maven.deploy.skip must agree");
            if (!skipInstall) {
                published.add(id);
            }
        });
        assertEquals(new TreeSet<>(PUBLISHED), published);
    }

    @Test
    void everyPublishedPomCarriesTheMetadata() {
        for (String id : PUBLISHED) {
            Element pom = id.equals("taipan-parent") ? parent : MODULES.get(id);
            assertNotNull(pom, id);
            // Name and description are the module's own (a description is inherited otherwise).
            assertFalse(text(pom, "name").isBlank(), id + ": <name>");
            assertFalse(text(pom, "description").isBlank(), id + ": <description>");
            if (pom != parent) {
                assertEquals("taipan-parent", text(child(pom, "parent"), "artifactId"), id + ": parent");
                assertEquals("${revision}", text(child(pom, "parent"), "version"), id + ": parent version");
                // The url and scm are set once, in the parent: no module has its own.
                for (String own : List.of("url", "scm", "licenses", "developers")) {
                    assertTrue(child(pom, own) == null, id + " must not set <" + own + "> (the parent's is inherited)");
                }
            }
        }
        assertEquals("${revision}", text(parent, "version"));
        assertEquals("${taipan.url}", text(parent, "url"));
        assertEquals("false", parent.getAttribute("child.project.url.inherit.append.path"),
                "children inherit the url as it is, without their artifactId appended");
        Element license = child(child(parent, "licenses"), "license");
        assertEquals("Apache-2.0", text(license, "name"));
        assertEquals("https://www.apache.org/licenses/LICENSE-2.0.txt", text(license, "url"));
        assertEquals("The Taipan developers", text(child(child(parent, "developers"), "developer"), "name"));
        Element scm = child(parent, "scm");
        for (String field : List.of("connection", "developerConnection", "url")) {
            assertEquals("${taipan.scm." + field + "}", text(scm, field), "scm " + field);
            assertEquals("false", scm.getAttribute("child.scm." + field + ".inherit.append.path"), "scm " + field);
            assertFalse(property(parent, "taipan.scm." + field).isBlank(), "taipan.scm." + field);
        }
        assertFalse(property(parent, "taipan.url").isBlank(), "taipan.url");
    }

    @Test
    void theBomManagesThePublishedLibrariesAtTheProjectVersion() {
        Element bom = MODULES.get("taipan-bom");
        assertEquals("pom", text(bom, "packaging"));
        Set<String> managed = new TreeSet<>();
        for (Element dep : children(child(child(bom, "dependencyManagement"), "dependencies"), "dependency")) {
            assertEquals("dev.taipan", text(dep, "groupId"));
            assertEquals("${project.version}", text(dep, "version"), text(dep, "artifactId"));
            managed.add(text(dep, "artifactId"));
        }
        Set<String> libraries = new TreeSet<>(PUBLISHED);
        libraries.removeAll(Set.of("taipan-parent", "taipan-bom"));
        assertEquals(libraries, managed);
    }

    @Test
    void theReleaseProfileBuildsSourcesAndJavadocFailingOnWarnings() throws Exception {
        Element release = null;
        for (Element profile : children(child(parent, "profiles"), "profile")) {
            if (text(profile, "id").equals("release")) {
                release = profile;
            }
        }
        assertNotNull(release, "profile 'release' in the parent pom");
        Map<String, Element> plugins = new LinkedHashMap<>();
        for (Element plugin : children(child(child(release, "build"), "plugins"), "plugin")) {
            plugins.put(text(plugin, "artifactId"), plugin);
        }
        assertGoal(plugins.get("maven-source-plugin"), "jar-no-fork");
        Element javadoc = plugins.get("maven-javadoc-plugin");
        assertGoal(javadoc, "jar");
        assertEquals("true", text(child(javadoc, "configuration"), "failOnWarnings"));
        // bin/taipan test runs the release build (bin/taipan release-check).
        assertTrue(Files.readString(root.resolve("bin/taipan")).contains("mvn -B -Prelease -DskipTests package"));
    }

    private static void assertGoal(Element plugin, String goal) {
        assertNotNull(plugin);
        List<String> goals = new ArrayList<>();
        for (Element execution : children(child(plugin, "executions"), "execution")) {
            for (Element g : children(child(execution, "goals"), "goal")) {
                goals.add(g.getTextContent().strip());
            }
        }
        assertTrue(goals.contains(goal), text(plugin, "artifactId") + " goals " + goals);
    }

    private static boolean skipsInstall(Element pom) {
        return "true".equals(property(pom, "maven.install.skip"));
    }

    private static Element read(Path pom) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document doc = factory.newDocumentBuilder().parse(pom.toFile());
        return doc.getDocumentElement();
    }

    /** The direct child element {@code name}, or null. */
    private static Element child(Element parent, String name) {
        if (parent == null) {
            return null;
        }
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        return null;
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        if (parent != null) {
            NodeList nodes = parent.getChildNodes();
            for (int i = 0; i < nodes.getLength(); i++) {
                if (nodes.item(i) instanceof Element e && e.getTagName().equals(name)) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    /** The text of the direct child {@code name}, stripped; "" if there is none. */
    private static String text(Element parent, String name) {
        Element c = child(parent, name);
        return c == null ? "" : c.getTextContent().strip();
    }

    private static String property(Element pom, String name) {
        return text(child(pom, "properties"), name);
    }
}
