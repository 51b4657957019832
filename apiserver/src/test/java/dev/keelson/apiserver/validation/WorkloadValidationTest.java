package dev.keelson.apiserver.validation;

import static dev.keelson.apiserver.validation.Objects.assertHas;
import static dev.keelson.apiserver.validation.Objects.assertOnly;
import static dev.keelson.apiserver.validation.Objects.assertValid;
import static dev.keelson.apiserver.validation.Objects.create;
import static dev.keelson.apiserver.validation.Objects.update;

import java.util.List;
import org.junit.jupiter.api.Test;

class WorkloadValidationTest {

    private static String deployment(String specExtra, String selector, String labels, String podSpecExtra) {
        return "{metadata:{name:'web', namespace:'default', uid:'u', resourceVersion:'1'}, spec:{" + specExtra
                + "selector:" + selector + ", template:{metadata:{labels:" + labels + "}, spec:{" + podSpecExtra
                + "containers:[{name:'web', image:'nginx'}]}}}}";
    }

    private static List<FieldError> createDeployment(String specExtra) {
        return create("apps/v1", "Deployment", deployment(specExtra, "{matchLabels:{app:'web'}}", "{app:'web'}", ""));
    }

    @Test
    void validDeploymentPasses() {
        assertValid(createDeployment(""));
        assertValid(createDeployment("replicas:0, strategy:{type:'Recreate'},"));
    }

    @Test
    void replicasMayNotBeNegative() {
        assertOnly(createDeployment("replicas:-1,"), FieldError.INVALID, "spec.replicas",
                "Invalid value: -1: must be greater than or equal to 0");
    }

    @Test
    void selectorIsRequiredAndNonEmpty() {
        assertHas(create("apps/v1", "Deployment", "{metadata:{name:'web', namespace:'d'}, spec:{template:{metadata:{labels:"
                + "{app:'web'}}, spec:{containers:[{name:'web', image:'nginx'}]}}}}"), FieldError.REQUIRED, "spec.selector",
                "Required value");
        assertOnly(create("apps/v1", "Deployment", deployment("", "{}", "{app:'web'}", "")), FieldError.INVALID, "spec.selector",
                "Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:"
                        + "[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment");
    }

    @Test
    void selectorMustMatchTemplateLabels() {
        assertValid(create("apps/v1", "Deployment", deployment("", "{matchExpressions:[{key:'app', operator:'In', "
                + "values:['web','api']}]}", "{app:'web', tier:'front'}", "")));
        assertOnly(create("apps/v1", "Deployment", deployment("", "{matchLabels:{app:'web'}}", "{app:'api'}", "")),
                FieldError.INVALID, "spec.template.metadata.labels",
                "Invalid value: map[string]string{\"app\":\"api\"}: `selector` does not match template `labels`");
    }

    @Test
    void badSelectorOperatorIsReported() {
        List<FieldError> errs = create("apps/v1", "Deployment", deployment("", "{matchExpressions:[{key:'app', operator:'Is', "
                + "values:['web']}]}", "{app:'web'}", ""));
        assertHas(errs, FieldError.INVALID, "spec.selector.matchExpressions[0].operator",
                "Invalid value: \"Is\": not a valid selector operator");
        assertHas(errs, FieldError.INVALID, "spec.selector", "Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
                + "MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:\"app\", Operator:\"Is\", "
                + "Values:[]string{\"web\"}}}}: invalid label selector");
    }

    @Test
    void labelSelectorsHaveNoGtOperator() {
        assertHas(create("apps/v1", "Deployment", deployment("", "{matchLabels:{app:'web'}, matchExpressions:[{key:'tier', "
                + "operator:'Gt', values:['1']}]}", "{app:'web'}", "")), FieldError.INVALID,
                "spec.selector.matchExpressions[0].operator", "Invalid value: \"Gt\": not a valid selector operator");
    }

    @Test
    void selectorIsImmutable() {
        String old = deployment("", "{matchLabels:{app:'web'}}", "{app:'web'}", "");
        assertValid(update("apps/v1", "Deployment", deployment("replicas:5,", "{matchLabels:{app:'web'}}", "{app:'web'}", ""), old));
        assertOnly(update("apps/v1", "Deployment", deployment("", "{matchLabels:{app:'web2'}}", "{app:'web2'}", ""), old),
                FieldError.INVALID, "spec.selector", "Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web2\"}, "
                        + "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable");
    }

    @Test
    void templateRestartPolicyMustBeAlways() {
        assertOnly(create("apps/v1", "Deployment", deployment("", "{matchLabels:{app:'web'}}", "{app:'web'}",
                "restartPolicy:'Never',")), FieldError.NOT_SUPPORTED, "spec.template.spec.restartPolicy",
                "Unsupported value: \"Never\": supported values: \"Always\"");
    }

    @Test
    void templateIsValidatedAsAPodSpec() {
        assertOnly(create("apps/v1", "Deployment", "{metadata:{name:'web', namespace:'d'}, spec:{selector:{matchLabels:{app:'w'}}, "
                + "template:{metadata:{labels:{app:'w'}}, spec:{containers:[{name:'web'}]}}}}"),
                FieldError.REQUIRED, "spec.template.spec.containers[0].image", "Required value");
    }

    @Test
    void strategyTypeIsAnEnum() {
        List<FieldError> errs = createDeployment("strategy:{type:'BlueGreen'},");
        assertOnly(errs, FieldError.NOT_SUPPORTED, "spec.strategy", errs.isEmpty() ? "" : errs.get(0).message());
        org.junit.jupiter.api.Assertions.assertTrue(errs.get(0).message().endsWith("supported values: \"Recreate\", \"RollingUpdate\""));
        assertOnly(createDeployment("strategy:{type:'Recreate', rollingUpdate:{maxSurge:1}},"), FieldError.FORBIDDEN,
                "spec.strategy.rollingUpdate", "Forbidden: may not be specified when strategy `type` is 'Recreate'");
    }

    @Test
    void maxSurgeAndMaxUnavailableAreIntsOrPercentsNotBothZero() {
        assertValid(createDeployment("strategy:{type:'RollingUpdate', rollingUpdate:{maxSurge:0, maxUnavailable:'50%'}},"));
        assertOnly(createDeployment("strategy:{rollingUpdate:{maxSurge:0, maxUnavailable:0}},"), FieldError.INVALID,
                "spec.strategy.rollingUpdate.maxUnavailable", "Invalid value: 0: may not be 0 when `maxSurge` is 0");
        assertOnly(createDeployment("strategy:{rollingUpdate:{maxSurge:'25', maxUnavailable:1}},"), FieldError.INVALID,
                "spec.strategy.rollingUpdate.maxSurge", "Invalid value: 25: a valid percent string must be a numeric string "
                        + "followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')");
        assertOnly(createDeployment("strategy:{rollingUpdate:{maxSurge:-1}},"), FieldError.INVALID,
                "spec.strategy.rollingUpdate.maxSurge", "Invalid value: -1: must be greater than or equal to 0");
        assertOnly(createDeployment("strategy:{rollingUpdate:{maxUnavailable:'150%'}},"), FieldError.INVALID,
                "spec.strategy.rollingUpdate.maxUnavailable", "Invalid value: 150%: must not be greater than 100%");
    }

    @Test
    void revisionHistoryLimitAndProgressDeadline() {
        assertOnly(createDeployment("revisionHistoryLimit:-1,"), FieldError.INVALID, "spec.revisionHistoryLimit",
                "Invalid value: -1: must be greater than or equal to 0");
        assertValid(createDeployment("minReadySeconds:10, progressDeadlineSeconds:11,"));
        assertOnly(createDeployment("minReadySeconds:10, progressDeadlineSeconds:10,"), FieldError.INVALID,
                "spec.progressDeadlineSeconds", "Invalid value: 10: must be greater than minReadySeconds");
    }

    @Test
    void replicaSetFollowsTheSameSelectorRules() {
        String rs = "{metadata:{name:'rs', namespace:'d', uid:'u', resourceVersion:'1'}, spec:{replicas:%d, selector:"
                + "{matchLabels:{app:'%s'}}, template:{metadata:{labels:{app:'web'}}, spec:{containers:[{name:'c', image:'x'}]}}}}";
        assertValid(create("apps/v1", "ReplicaSet", String.format(rs, 2, "web")));
        assertOnly(create("apps/v1", "ReplicaSet", String.format(rs, -2, "web")), FieldError.INVALID, "spec.replicas",
                "Invalid value: -2: must be greater than or equal to 0");
        assertOnly(update("apps/v1", "ReplicaSet", String.format(rs, 2, "web").replace("labels:{app:'web'}", "labels:{app:'x'}")
                        .replace("app:'web'}}, template", "app:'x'}}, template"), String.format(rs, 2, "web")),
                FieldError.INVALID, "spec.selector", "Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"x\"}, "
                        + "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable");
    }

    @Test
    void scaleReplicasMayNotBeNegative() {
        assertValid(Objects.errors(e -> WorkloadValidation.scale(e,
                Objects.json("{metadata:{name:'web', namespace:'d'}, spec:{replicas:3}}"), true)));
        assertOnly(Objects.errors(e -> WorkloadValidation.scale(e,
                        Objects.json("{metadata:{name:'web', namespace:'d'}, spec:{replicas:-1}}"), true)),
                FieldError.INVALID, "spec.replicas", "Invalid value: -1: must be greater than or equal to 0");
    }
}
