package dev.taipan.spark;

import dev.taipan.PoolConfigException;
import dev.taipan.dspy.FieldType;
import dev.taipan.dspy.Signature;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The transform's settings, checked on the driver before any job: no Spark job, no Python. */
class TaipanTransformTest {
    private static final Map<String, String> POOL = Map.of("taipan.pool.python", "/usr/bin/python3",
            "taipan.pool.modules", "taipan_worker.dspy");
    private static final LmSpec LM = LmSpec.of("openai/gpt-4o-mini").apiKeyFromEnv("OPENAI_API_KEY");

    private static DspyProgramSpec program(FieldType out) {
        return DspyProgramSpec.predict(Signature.builder().input("question", FieldType.STR, null)
                .output("answer", out, null).build()).lm(LM);
    }

    @Test
    void outputColumnsAreTypedFromTheSignature() {
        Signature sig = Signature.builder()
                .input("text", FieldType.STR, null)
                .output("label", FieldType.oneOf("a", "b"), null)
                .output("n", FieldType.INT, null)
                .output("score", FieldType.FLOAT, null)
                .output("ok", FieldType.BOOL, null)
                .output("names", FieldType.listOf(FieldType.STR), null)
                .output("counts", FieldType.dictOf(FieldType.INT), null)
                .output("maybe", FieldType.optional(FieldType.FLOAT), null)
                .build();
        TaipanTransform t = TaipanTransform.builder().pool(POOL).dspy(DspyProgramSpec.chainOfThought(sig).lm(LM)).build();
        StructType out = t.outputSchema(new StructType().add("id", DataTypes.LongType).add("text", DataTypes.StringType));
        assertEquals(new StructType()
                .add("id", DataTypes.LongType).add("text", DataTypes.StringType)
                .add("label", DataTypes.StringType).add("n", DataTypes.LongType)
                .add("score", DataTypes.DoubleType).add("ok", DataTypes.BooleanType)
                .add("names", DataTypes.createArrayType(DataTypes.StringType, true))
                .add("counts", DataTypes.createMapType(DataTypes.StringType, DataTypes.LongType, true))
                .add("maybe", DataTypes.DoubleType)
                .add("taipan_error", DataTypes.StringType), out);
    }

    @Test
    void badSettingsAreRejectedBeforeAnyJob() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TaipanTransform.builder().pool(POOL).dspy(program(FieldType.DICT)).build());
        assertTrue(e.getMessage().contains("'answer'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TaipanTransform.builder().pool(POOL)
                .dspy(DspyProgramSpec.predict(Signature.parse("question -> answer"))).build());
        assertTrue(e.getMessage().contains("no LM"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TaipanTransform.builder().pool(POOL).dspy(program(FieldType.STR)).maxInFlight(0).build());
        assertTrue(e.getMessage().contains("maxInFlight"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TaipanTransform.builder().pool(POOL).build());
        assertTrue(e.getMessage().contains("nothing to run"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TaipanTransform.builder().pool(POOL)
                .dspy(program(FieldType.STR)).input("question", "q").input("extra", "x").build());
        assertTrue(e.getMessage().contains("extra"), e.getMessage());
        PoolConfigException pe = assertThrows(PoolConfigException.class, () -> TaipanTransform.builder()
                .pool(Map.of("taipan.pool.workers", "many")).dspy(program(FieldType.STR)).build());
        assertTrue(pe.getMessage().contains("taipan.pool.workers"), pe.getMessage());
    }

    @Test
    void columnsAreCheckedAgainstTheDataset() {
        TaipanTransform t = TaipanTransform.builder().pool(POOL).dspy(program(FieldType.STR)).input("question", "q").build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> t.outputSchema(new StructType().add("body", DataTypes.StringType)));
        assertTrue(e.getMessage().contains("column 'q'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> t.outputSchema(
                new StructType().add("q", DataTypes.StringType).add("answer", DataTypes.StringType)));
        assertTrue(e.getMessage().contains("'answer' exists"), e.getMessage());
    }

    @Test
    void theTransformTravelsByJavaSerializationNamingOnlyTheKeysVariable() throws Exception {
        Map<String, String> pool = new java.util.HashMap<>(POOL);
        pool.put("taipan.pool.secret-from-env.OPENAI_API_KEY", "HOST_OPENAI_KEY");
        TaipanTransform t = TaipanTransform.builder().pool(pool).dspy(program(FieldType.STR)).build();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(t);
        }
        String shipped = bytes.toString(StandardCharsets.ISO_8859_1);
        assertTrue(shipped.contains("OPENAI_API_KEY"));
        assertTrue(shipped.contains("HOST_OPENAI_KEY"));
        assertEquals("LmSpec[openai/gpt-4o-mini, apiKey=<from env OPENAI_API_KEY>]", LM.toString());
        TaipanTransform back;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            back = (TaipanTransform) in.readObject();
        }
        StructType schema = new StructType().add("question", DataTypes.StringType);
        assertEquals(t.outputSchema(schema), back.outputSchema(schema));
        assertEquals(t.toString(), back.toString());
    }
}
