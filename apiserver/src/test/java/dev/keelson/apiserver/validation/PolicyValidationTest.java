package dev.keelson.apiserver.validation;

import static dev.keelson.apiserver.validation.Objects.assertHas;
import static dev.keelson.apiserver.validation.Objects.assertOnly;
import static dev.keelson.apiserver.validation.Objects.assertValid;
import static dev.keelson.apiserver.validation.Objects.create;
import static dev.keelson.apiserver.validation.Objects.update;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** LimitRanges and ResourceQuotas, as core validation reports them. */
class PolicyValidationTest {

    private static String limits(String items) {
        return "{metadata:{name:'l', namespace:'default'}, spec:{limits:[" + items + "]}}";
    }

    private static String quota(String spec) {
        return "{metadata:{name:'q', namespace:'default', uid:'u'}, spec:{" + spec + "}}";
    }

    @Test
    void containerLimitDefaultsComeFromMaxThenDefaultThenMin() {
        ObjectNode obj = Objects.json(limits("{type:'Container', max:{cpu:'2'}, min:{memory:'64Mi'}}, "
                + "{type:'Pod', max:{cpu:'4'}}"));
        Objects.strategy("v1", "LimitRange").defaults(obj);
        assertEquals(Objects.json("{type:'Container', max:{cpu:'2'}, min:{memory:'64Mi'}, default:{cpu:'2'}, "
                + "defaultRequest:{cpu:'2', memory:'64Mi'}}"), obj.at("/spec/limits/0"));
        assertEquals(Objects.json("{type:'Pod', max:{cpu:'4'}}"), obj.at("/spec/limits/1"));
        assertValid(Objects.strategy("v1", "LimitRange").validate(obj));
    }

    @Test
    void limitRangeBoundsMustBeOrdered() {
        assertHas(create("v1", "LimitRange", limits("{type:'Container', min:{cpu:'2'}, max:{cpu:'500m'}}")),
                FieldError.INVALID, "spec.limits[0].min[cpu]",
                "Invalid value: \"2\": min value 2 is greater than max value 500m");
        assertHas(create("v1", "LimitRange", limits("{type:'Container', default:{memory:'1Gi'}, "
                + "defaultRequest:{memory:'2Gi'}}")), FieldError.INVALID, "spec.limits[0].defaultRequest[memory]",
                "Invalid value: \"2Gi\": default request value 2Gi is greater than default limit value 1Gi");
        assertOnly(create("v1", "LimitRange", limits("{type:'Container', maxLimitRequestRatio:{cpu:'500m'}}")),
                FieldError.INVALID, "spec.limits[0].maxLimitRequestRatio[cpu]",
                "Invalid value: \"500m\": ratio 500m is less than 1");
    }

    @Test
    void limitRangeTypesAndResourceNames() {
        assertOnly(create("v1", "LimitRange", limits("{type:'Pod', max:{cpu:'1'}, default:{cpu:'1'}}")),
                FieldError.FORBIDDEN, "spec.limits[0].default", "Forbidden: may not be specified when `type` is 'Pod'");
        assertOnly(create("v1", "LimitRange", limits("{type:'Node', max:{cpu:'1'}}")), FieldError.INVALID,
                "spec.limits[0].type", "Invalid value: \"Node\": must be a standard limit type or fully qualified");
        assertHas(create("v1", "LimitRange", limits("{type:'Container', max:{pods:'1'}}")), FieldError.INVALID,
                "spec.limits[0].max[pods]", "Invalid value: \"pods\": must be a standard resource for containers");
        assertOnly(create("v1", "LimitRange", limits("{type:'Pod', max:{cpu:'1'}}, {type:'Pod', max:{cpu:'2'}}")),
                FieldError.DUPLICATE, "spec.limits[1].type", "Duplicate value: \"Pod\"");
        assertOnly(create("v1", "LimitRange", limits("{type:'PersistentVolumeClaim', max:{cpu:'1'}}")),
                FieldError.REQUIRED, "spec.limits[0].limits",
                "Required value: either minimum or maximum storage value is required, but neither was provided");
    }

    @Test
    void quotaResourcesMustBeStandardNonNegativeAndWholeWhereCounted() {
        assertValid(create("v1", "ResourceQuota", quota("hard:{pods:'10', 'requests.cpu':'500m', "
                + "'count/deployments.apps':'3'}")));
        assertOnly(create("v1", "ResourceQuota", quota("hard:{pods:'1500m'}")), FieldError.INVALID, "spec.hard[pods]",
                "Invalid value: \"1500m\": must be an integer");
        assertOnly(create("v1", "ResourceQuota", quota("hard:{cpu:'-1'}")), FieldError.INVALID, "spec.hard[cpu]",
                "Invalid value: \"-1\": must be greater than or equal to 0");
        assertOnly(create("v1", "ResourceQuota", quota("hard:{storage:'1Gi'}")), FieldError.INVALID,
                "spec.hard[storage]", "Invalid value: \"storage\": must be a standard resource for quota");
    }

    @Test
    void quotaScopesMustFitTheirResourcesNotConflictAndNeverChange() {
        assertValid(create("v1", "ResourceQuota", quota("hard:{pods:'5'}, scopes:['BestEffort']")));
        assertOnly(create("v1", "ResourceQuota", quota("hard:{cpu:'1'}, scopes:['BestEffort']")), FieldError.INVALID,
                "spec.scopes", "Invalid value: []core.ResourceQuotaScope{\"BestEffort\"}: "
                        + "unsupported scope applied to resource");
        assertOnly(create("v1", "ResourceQuota", quota("hard:{pods:'5'}, scopes:['Terminating', 'NotTerminating']")),
                FieldError.INVALID, "spec.scopes", "Invalid value: []core.ResourceQuotaScope{\"Terminating\", "
                        + "\"NotTerminating\"}: conflicting scopes");
        assertOnly(create("v1", "ResourceQuota", quota("hard:{pods:'5'}, scopeSelector:{matchExpressions:["
                + "{scopeName:'PriorityClass', operator:'In'}]}")), FieldError.REQUIRED,
                "spec.scopeSelector.matchExpressions.values",
                "Required value: must be at least one value when `operator` is 'In' or 'NotIn' for scope selector");
        assertOnly(update("v1", "ResourceQuota", quota("hard:{pods:'5'}, scopes:['NotBestEffort']"),
                quota("hard:{pods:'5'}, scopes:['BestEffort']")), FieldError.INVALID, "spec.scopes",
                "Invalid value: []core.ResourceQuotaScope{\"NotBestEffort\"}: field is immutable");
    }
}
