package dev.taipan.examples;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A retriever written in plain Java: BM25 over a small in-memory corpus. It stands in for
 * whatever your application already has (Lucene, Elasticsearch, a vector store, SQL): the
 * DSPy program only ever sees the passages it returns, as a {@code list[str]} input.
 */
public final class KeywordRetriever {
    private static final double K1 = 1.2;
    private static final double B = 0.75;
    private static final Set<String> STOPWORDS = Set.of("a", "an", "and", "are", "as", "at", "be", "by", "did",
            "do", "does", "for", "from", "has", "have", "he", "her", "his", "how", "in", "is", "it", "its", "of",
            "on", "or", "she", "that", "the", "their", "there", "this", "to", "was", "were", "what", "when",
            "where", "which", "who", "whom", "why", "with");

    private final List<String> passages;
    private final List<Map<String, Integer>> termCounts = new ArrayList<>();
    private final List<Integer> lengths = new ArrayList<>();
    private final Map<String, Integer> documentFrequency = new HashMap<>();
    private final double averageLength;

    public KeywordRetriever(List<String> passages) {
        this.passages = List.copyOf(passages);
        long total = 0;
        for (String p : this.passages) {
            Map<String, Integer> counts = new HashMap<>();
            List<String> terms = terms(p);
            terms.forEach(t -> counts.merge(t, 1, Integer::sum));
            counts.keySet().forEach(t -> documentFrequency.merge(t, 1, Integer::sum));
            termCounts.add(counts);
            lengths.add(terms.size());
            total += terms.size();
        }
        averageLength = this.passages.isEmpty() ? 1 : (double) total / this.passages.size();
    }

    /** The {@code k} best passages for {@code query}, best first; passages sharing no term with it are left out. */
    public List<String> search(String query, int k) {
        List<String> queryTerms = terms(query).stream().distinct().toList();
        List<double[]> scored = new ArrayList<>();   // {score, index}
        for (int i = 0; i < passages.size(); i++) {
            double score = 0;
            for (String t : queryTerms) {
                int tf = termCounts.get(i).getOrDefault(t, 0);
                if (tf == 0) {
                    continue;
                }
                int df = documentFrequency.get(t);
                double idf = Math.log(1 + (passages.size() - df + 0.5) / (df + 0.5));
                score += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * lengths.get(i) / averageLength));
            }
            if (score > 0) {
                scored.add(new double[] {score, i});
            }
        }
        scored.sort(Comparator.comparingDouble((double[] s) -> -s[0]).thenComparingDouble(s -> s[1]));
        return scored.stream().limit(k).map(s -> passages.get((int) s[1])).toList();
    }

    static List<String> terms(String text) {
        List<String> out = new ArrayList<>();
        for (String w : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
            if (w.isEmpty() || STOPWORDS.contains(w)) {
                continue;
            }
            // A crude plural strip, enough for a toy corpus ("bridges" finds "bridge").
            out.add(w.length() > 3 && w.endsWith("s") && !w.endsWith("ss") ? w.substring(0, w.length() - 1) : w);
        }
        return out;
    }

    /** A small corpus about a few places and people, enough for single- and multi-hop questions. */
    public static final List<String> CORPUS = List.of(
            "The Eiffel Tower is a wrought-iron lattice tower on the Champ de Mars in Paris.",
            "The Eiffel Tower was designed and built by the company of the engineer Gustave Eiffel for the 1889 World's Fair.",
            "Gustave Eiffel was born in Dijon, France, in 1832.",
            "Dijon is the capital of the Cote-d'Or department in the Burgundy region of France, famous for its mustard.",
            "Paris is the capital and largest city of France, on the river Seine.",
            "The Golden Gate Bridge spans the Golden Gate strait and connects San Francisco to Marin County.",
            "The chief engineer of the Golden Gate Bridge was Joseph Strauss.",
            "Joseph Strauss was born in Cincinnati, Ohio, in 1870.",
            "Cincinnati is a city in Ohio on the northern bank of the Ohio River.",
            "The Sydney Opera House was designed by the Danish architect Jorn Utzon.",
            "Jorn Utzon was born in Copenhagen, Denmark, in 1918.",
            "Copenhagen is the capital of Denmark, on the islands of Zealand and Amager.");
}
